/** Every module by the name it has in YAML. */
import {apt} from './apt.js';
import {blockinfile} from './blockinfile.js';
import {bootloader} from './bootloader.js';
import {buildState} from './build-state.js';
import {command, shell} from './command.js';
import {copy} from './copy.js';
import {dhcpGuard} from './dhcp-guard.js';
import {assert, debug, fail, set_fact, warn} from './control.js';
import {file} from './file.js';
import {lineinfile} from './lineinfile.js';
import {media} from './media/index.js';
import {netboot} from './media/netboot.js';
import {network} from './network/index.js';
import {service} from './service.js';
import {find, slurp, stat} from './stat.js';
import {template} from './template.js';
import type {Module} from './types.js';

const all: Module[] = [
  apt,
  assert,
  blockinfile,
  bootloader,
  buildState,
  command,
  copy,
  debug,
  dhcpGuard,
  fail,
  file,
  find,
  lineinfile,
  media,
  netboot,
  network,
  service,
  set_fact,
  shell,
  slurp,
  stat,
  template,
  warn,
];

export const modules: ReadonlyMap<string, Module> = new Map(all.map((module) => [module.name, module]));
