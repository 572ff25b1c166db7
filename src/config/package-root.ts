import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

/** The package root: two levels up from src/config (tsx) or dist/config (built). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
