import {Flags} from '@oclif/core';

/** --prefix of every lab command: all names the lab makes carry it, so two labs do not collide. */
export const prefixFlag = {
  prefix: Flags.string({
    description:
      'Prefix of every name the lab makes (namespaces, links, iptables comments, state dir); 2-8 of [a-z0-9].',
    default: 'pxl',
    helpValue: 'NAME',
  }),
};
