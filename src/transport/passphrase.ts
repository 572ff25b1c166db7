/** A private key's passphrase: env PXEPROV_KEY_PASSPHRASE, else asked on the terminal (never echoed). */
import {createInterface} from 'node:readline';

const asked = new Map<string, Promise<string | undefined>>();

/** While the inputs are checked, a prompt waits: true once they are valid, false when the run will not happen. */
let promptGate: Promise<boolean> | undefined;

/**
 * Holds terminal prompts (connections open while the inputs load) until the returned function says whether
 * the run goes on: invalid inputs are reported without a passphrase asked first, and nothing is asked then.
 */
export function holdPrompts(): (runGoesOn: boolean) => void {
  let open!: (runGoesOn: boolean) => void;
  const gate = new Promise<boolean>((resolve) => (open = resolve));
  promptGate = gate;
  return (runGoesOn) => {
    if (promptGate === gate) promptGate = undefined;
    open(runGoesOn);
  };
}

export async function keyPassphrase(keyFile: string): Promise<string | undefined> {
  const fromEnv = process.env.PXEPROV_KEY_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  if (promptGate && !(await promptGate)) return undefined;
  let answer = asked.get(keyFile);
  if (!answer) {
    answer = promptHidden(`Passphrase for ${keyFile}: `);
    asked.set(keyFile, answer);
  }
  return answer;
}

/** Ask on the terminal (prompt on stderr), what is typed not echoed. */
export function promptHidden(
  question: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({input, output, terminal: true});
    output.write(question);
    // Mute the echo of what is typed: readline writes it through _writeToOutput.
    (rl as unknown as {_writeToOutput: (s: string) => void})._writeToOutput = () => {};
    rl.question('', (value) => {
      rl.close();
      output.write('\n');
      resolve(value);
    });
  });
}
