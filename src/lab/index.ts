/** The lab's API for tests and other commands (the PXE-roles acceptance test reuses it). */
export {labUp, labDown, labStatus, type LabUpOptions, type LabUpResult, type LabStatus} from './lab.js';
export {bootClient, type BootOptions, type BootResult} from './boot.js';
export {runInLabHost, sshArgv} from './ssh.js';
export {makeIso, type MakeIsoResult} from './make-iso.js';
export {labNames, LAN, type LabNames} from './names.js';
export type {Timeline, Step} from './timeline.js';
