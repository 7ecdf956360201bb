/** Something `tradekit worker` started: it runs until closed, and closing waits for work in flight. */
export interface WorkerPart {
  readonly name: string;
  close(): Promise<void>;
}
