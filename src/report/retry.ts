/** The line Ansible prints when until: is false and a task runs again. */
import type {EngineEvent} from '../engine/events.js';

export function retryLine(event: Extract<EngineEvent, {type: 'task-retry'}>): string {
  return `FAILED - RETRYING: [${event.host}]: ${event.task} (${event.retriesLeft} retries left).`;
}
