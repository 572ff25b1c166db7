/** Every module by the name it has in YAML. */
import {apt} from './apt.js';
import {blockinfile} from './blockinfile.js';
import {command, shell} from './command.js';
import {copy} from './copy.js';
import {assert, debug, set_fact} from './debug.js';
import {file} from './file.js';
import {lineinfile} from './lineinfile.js';
import {service} from './service.js';
import {template} from './template.js';
import type {Resource} from './types.js';

const all: Resource[] = [apt, assert, blockinfile, command, copy, debug, file, lineinfile, service, set_fact, shell, template];

export const modules: ReadonlyMap<string, Resource> = new Map(all.map((module) => [module.name, module]));
