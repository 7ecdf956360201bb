/** The status strings people read (scanner cells, gate reasons, vetoes): their exact text, in one place. */
import assert from 'node:assert/strict';
import {
  STATUS,
  candidateStatus,
  execBlockStatus,
  executionStatus,
  journalFailedVeto,
  notSentVeto,
  researchFailedVeto,
  scanErrorStatus,
  sizeVeto,
  tapFailedStatus,
} from '../src/engine/status-text.js';
import type { Candidate, ExecutionRecord, OrderResult } from '../src/index.js';

const buy: Candidate = { symbol: 'EURUSD', side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1 };
const sell: Candidate = { ...buy, side: 'sell' };
const filled: OrderResult = {
  status: 'filled',
  clientId: 'c',
  orderId: 'o',
  positionId: 'p',
  symbol: 'EURUSD',
  side: 'sell',
  volume: 0.1,
  requestedVolume: 0.1,
  price: 1.17123,
  time: 0,
  commission: 0,
};
const placed: OrderResult = { status: 'placed', clientId: 'c', orderId: 'o', symbol: 'EURUSD', side: 'buy', type: 'limit', volume: 0.2, price: 1.15, time: 0 };
const rejected: OrderResult = { status: 'rejected', clientId: 'c', symbol: 'EURUSD', code: 'NO_MONEY', reason: 'no money', retryable: false };
const unknown: OrderResult = { status: 'unknown', clientId: 'c', symbol: 'EURUSD', reason: 'timeout' };

describe('status text', () => {
  it('names the fixed statuses and reasons', () => {
    assert.deepEqual(
      { ...STATUS },
      {
        noSetup: 'No Setup',
        haltedGate: 'Halted (trading paused)',
        reducingGate: 'Reducing (no new entries)',
        haltedVeto: 'Trading halted',
        reducingVeto: 'Reducing: no new entries',
        noSizeVeto: 'No size: add a risk policy or give the candidate a volume',
      },
    );
    assert.ok(Object.isFrozen(STATUS));
  });

  it('builds the scan statuses: a candidate by side, an error by its message', () => {
    assert.equal(candidateStatus('buy'), 'CANDIDATE (BUY)');
    assert.equal(candidateStatus('sell'), 'CANDIDATE (SELL)');
    assert.equal(scanErrorStatus('plugin "x" threw'), 'Error: plugin "x" threw');
  });

  it('builds the vetoes: size, write guard, journal, a failed tap in a fail-closed hook', () => {
    assert.equal(sizeVeto(0), 'Size 0: nothing to trade');
    assert.equal(sizeVeto(-0.1), 'Size -0.1: nothing to trade');
    assert.equal(notSentVeto('lease lost'), 'Not sent: lease lost');
    assert.equal(journalFailedVeto('TK_ERR_STATE_WRITE'), 'Not sent: the journal could not record it (TK_ERR_STATE_WRITE)');
    assert.equal(tapFailedStatus('risk', 'gate', 'TK_ERR_PLUGIN'), 'Error: risk failed in gate (TK_ERR_PLUGIN)');
    assert.equal(tapFailedStatus('news', 'beforeScan', 'TK_ERR_PLUGIN_TIMEOUT'), 'Error: news failed in beforeScan (TK_ERR_PLUGIN_TIMEOUT)');
    assert.equal(tapFailedStatus('risk', 'beforeExecute', 'TK_ERR_PLUGIN'), 'Error: risk failed in beforeExecute (TK_ERR_PLUGIN)');
    assert.equal(researchFailedVeto('critic', 'TK_ERR_PLUGIN'), 'Research error: critic (TK_ERR_PLUGIN)');
    assert.equal(execBlockStatus(STATUS.haltedVeto), 'Exec Block: Trading halted');
  });

  it("describes an execution: veto first, then the broker's answer, else still a candidate", () => {
    const rec = (r: Partial<ExecutionRecord>, c = buy): ExecutionRecord => ({ candidate: c, ...r });
    assert.equal(executionStatus(rec({})), 'CANDIDATE (BUY)');
    assert.equal(executionStatus(rec({ veto: 'Max exposure EUR' })), 'Exec Block: Max exposure EUR');
    assert.equal(executionStatus(rec({ veto: 'vetoed', result: filled })), 'Exec Block: vetoed', 'a veto wins over any result');
    assert.equal(executionStatus(rec({ result: filled }, sell)), 'FILLED (SELL 0.1 @ 1.17123)');
    assert.equal(executionStatus(rec({ result: placed })), 'PLACED (BUY LIMIT 0.2 @ 1.15)');
    assert.equal(executionStatus(rec({ result: rejected })), 'Rejected: no money');
    assert.equal(executionStatus(rec({ result: unknown }, sell)), 'Unknown outcome (SELL): reconciling');
  });
});
