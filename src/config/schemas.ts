/**
 * JSON schemas of the inputs, used by ajv at load time and published under schemas/ for editors' YAML
 * language servers (see emit-schemas.ts). Task schemas here cover the keywords; module arguments come
 * from each module's own schema (src/resources).
 */

const SCHEMA_BASE = 'https://github.com/pxeprov/pxeprov/schemas';
const text = (description: string) => ({type: 'string', description});
const flag = (description: string) => ({type: ['boolean', 'string'], description});
const strings = (description: string) => ({type: ['string', 'array'], items: {type: 'string'}, description});
const mapping = (description: string) => ({type: ['object', 'null'], description});
const condition = (description: string) => ({
  type: ['string', 'boolean', 'array'],
  items: {type: ['string', 'boolean']},
  description,
});

/** Ansible's connection variables, typed so a wrong type is caught at validate time. */
export const connectionVars = {
  ansible_host: text('Address to connect to (default: the inventory name).'),
  ansible_port: {type: ['integer', 'string'], description: 'SSH port (default 22).'},
  ansible_user: text('SSH user.'),
  ansible_password: text('SSH password (redacted in output).'),
  ansible_ssh_private_key_file: text('Private key file for SSH.'),
  ansible_ssh_common_args: text('Extra OpenSSH options (-o Key=Value are honoured).'),
  ansible_become: flag('Run tasks through sudo.'),
  ansible_become_user: text('User to become (default root).'),
  ansible_become_password: text('sudo password (redacted in output).'),
  ansible_python_interpreter: text('Ignored by pxeprov (no Python on the target is needed).'),
} as const;

const DI_NETBOOT_PACKAGE = '^debian-installer-[0-9]+-netboot-[a-z0-9]+$';
const exclusive = (...keys: string[]) => ({not: {anyOf: keys.map((k) => ({required: [k]}))}});

/** One install media of the media role: an ISO, a netboot installer package or tarball, or a kernel/initrd pair. */
const mediaEntry = {
  type: 'object',
  description:
    'Install media, served under its name: an ISO, a netboot installer package or tarball, or a kernel/initrd pair.',
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'Served as <tftp_root>/<name>/ (and <install_root>/<name>/ for an ISO); profiles name it in media:.',
    },
    iso: text('An ISO on the control machine (or on the server with remote: true), extracted into an install tree.'),
    netboot_package: text(
      'A Debian package that ships a netboot installer (e.g. debian-installer-12-netboot-amd64), installed on the server.',
    ),
    netboot_tarball: text(
      "A netboot tarball on the control machine (e.g. Debian's netboot.tar.gz); kernel and initrd are paths inside it.",
    ),
    kernel: text(
      'The kernel: inside the ISO or the tarball, a path on the server for a package, or a file for a kernel/initrd pair.',
    ),
    initrd: text('The initrd, like kernel.'),
    remote: flag('iso, or the kernel/initrd pair, are paths on the server instead of the control machine.'),
  },
  required: ['name'],
  additionalProperties: false,
  oneOf: [
    {
      description: 'an ISO: iso (kernel and initrd default to images/pxeboot/ inside it)',
      required: ['iso'],
      ...exclusive('netboot_package', 'netboot_tarball'),
    },
    {
      description:
        'a netboot package: netboot_package (kernel and initrd needed unless it is a debian-installer-<N>-netboot-<arch> package)',
      required: ['netboot_package'],
      ...exclusive('iso', 'netboot_tarball', 'remote'),
    },
    {
      description: 'a netboot tarball: netboot_tarball, kernel and initrd (paths inside it)',
      required: ['netboot_tarball', 'kernel', 'initrd'],
      ...exclusive('iso', 'netboot_package', 'remote'),
    },
    {
      description:
        'a kernel/initrd pair: kernel and initrd (files on the control machine, or on the server with remote: true)',
      required: ['kernel', 'initrd'],
      ...exclusive('iso', 'netboot_package', 'netboot_tarball'),
    },
  ],
  if: {required: ['netboot_package'], properties: {netboot_package: {not: {pattern: DI_NETBOOT_PACKAGE}}}},
  then: {required: ['kernel', 'initrd']},
};

/** The PXE roles' structured variables, typed so a malformed entry is reported at validate with its place. */
export const roleVars = {
  media_isos: {
    type: ['array', 'string'],
    pattern: '\\{[{%]',
    items: mediaEntry,
    description: 'Install media (role media): a list of entries, or a template that renders to one.',
  },
} as const;

export const inventorySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `${SCHEMA_BASE}/inventory.schema.json`,
  title: 'pxeprov inventory (Ansible YAML inventory format)',
  type: ['object', 'null'],
  additionalProperties: {$ref: '#/definitions/group'},
  definitions: {
    group: {
      type: ['object', 'null'],
      description: 'A group: its hosts, child groups and variables.',
      properties: {
        hosts: {
          type: ['object', 'null'],
          description: 'Host name (or range, web[01:20]) → its variables.',
          additionalProperties: {$ref: '#/definitions/hostVars'},
        },
        children: {
          type: ['object', 'null'],
          description: 'Child groups by name.',
          additionalProperties: {$ref: '#/definitions/group'},
        },
        vars: {$ref: '#/definitions/vars'},
      },
      additionalProperties: false,
    },
    hostVars: {
      type: ['object', 'null'],
      description: 'Variables of one host.',
      properties: {...connectionVars, ...roleVars},
    },
    vars: {
      type: ['object', 'null'],
      description: 'Variables of every host of the group.',
      properties: {...connectionVars, ...roleVars},
    },
  },
} as const;

/** Vars files: group_vars/*, host_vars/*, vars_files, role defaults and vars. */
export const varsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `${SCHEMA_BASE}/vars.schema.json`,
  title: 'pxeprov variables file',
  type: ['object', 'null'],
  properties: {...connectionVars, ...roleVars},
} as const;

const roleImport = (description: string) => ({
  type: 'object',
  description,
  properties: {
    name: text('Role name (a directory under roles/).'),
    tasks_from: text('A file under the role’s tasks/ instead of main.'),
    handlers_from: text('A file under the role’s handlers/ instead of main.'),
  },
  required: ['name'],
  additionalProperties: false,
});

export const TASK_KEYWORDS = {
  name: text('What the task does, shown in the output.'),
  args: {type: 'object', description: "Module arguments (merged with the module key's own)."},
  when: condition('Run only when this Jinja expression is true (a list: all must be true).'),
  loop: {type: ['array', 'string'], description: 'Run once per item; the item is `item` (or loop_control.loop_var).'},
  with_items: {type: ['array', 'string'], description: 'Old spelling of loop (lists are flattened one level).'},
  loop_control: {
    type: 'object',
    properties: {
      loop_var: text('Name of the loop variable (default item).'),
      label: text('Shown instead of the item.'),
    },
    additionalProperties: false,
  },
  register: text('Save the result in this variable.'),
  notify: strings('Handlers to run at the end of the play when this task changed something.'),
  listen: strings('(handlers) Topics this handler answers besides its name.'),
  tags: strings('Tags to select or skip the task with -t/--skip-tags.'),
  become: flag('Run through sudo.'),
  become_user: text('User to become.'),
  ignore_errors: flag('Go on with the host when this task fails.'),
  changed_when: condition('Override whether the task reports a change.'),
  failed_when: condition('Override whether the task failed.'),
  until: condition('Run the task again (its register in scope) until this is true, at most retries more times.'),
  retries: {
    type: ['integer', 'string'],
    description: 'With until: how many more attempts after the first (default 3).',
  },
  delay: {type: ['integer', 'string'], description: 'With until: seconds between attempts (default 5).'},
  no_log: flag('Hide arguments and results (secrets).'),
  vars: mapping('Variables of this task only.'),
  block: {type: 'array', description: 'Tasks that share this entry’s when/become/tags/vars.'},
  rescue: {
    type: ['array', 'null'],
    description: '(with block) Tasks run when a task of the block fails; if they succeed, the host goes on.',
  },
  always: {
    type: ['array', 'null'],
    description: '(with block) Tasks run after the block (and rescue), whether they failed or not.',
  },
  import_tasks: text('Include the tasks of this file (relative to the tasks/ dir or the playbook).'),
  include_tasks: text('Same as import_tasks (a static file name).'),
  import_role: roleImport("Run a role's tasks here (its handlers and variables join the play)."),
  include_role: roleImport('Same as import_role (loaded with the playbook: pxeprov has no dynamic includes).'),
} as const;

export const taskKeywordSchema = {type: 'object', properties: TASK_KEYWORDS} as const;

export const roleEntrySchema = {
  type: ['string', 'object'],
  description: 'A role name, or {role, vars, tags, when}; other keys are role parameters (as in Ansible).',
  properties: {
    role: text('Role name (a directory under roles/).'),
    name: text('Role name (same as role).'),
    vars: mapping('Role parameters.'),
    tags: strings('Tags added to every task of the role.'),
    when: condition('Condition added to every task of the role.'),
    become: flag('Run the role through sudo.'),
  },
} as const;

export const roleMetaSchema = {
  type: ['object', 'null'],
  description: "A role's meta/main.yaml.",
  properties: {
    dependencies: {
      type: ['array', 'null'],
      items: roleEntrySchema,
      description: 'Roles that run before this one: once per play, unless their parameters differ.',
    },
    allow_duplicates: flag('Run this role each time it is listed, even with the same parameters.'),
    galaxy_info: mapping('Ansible Galaxy metadata (accepted, not used).'),
  },
  additionalProperties: false,
} as const;

const taskList = (description: string) => ({
  type: ['array', 'null'],
  description,
  items: {$ref: 'tasks.schema.json#/definitions/task'},
});

export const PLAY_KEYWORDS = {
  name: text('What the play does.'),
  hosts: {
    type: ['string', 'array'],
    items: {type: 'string'},
    description: 'Host pattern: group, host, glob, a:b, a:&b, a:!b, ~regex.',
  },
  vars: mapping('Play variables.'),
  vars_files: {
    type: ['array', 'string', 'null'],
    items: {type: 'string'},
    description: 'YAML files of variables, relative to the playbook.',
  },
  roles: {
    type: ['array', 'null'],
    items: roleEntrySchema,
    description: 'Roles to apply, in order (their tasks run after pre_tasks).',
  },
  pre_tasks: taskList('Tasks before the roles.'),
  tasks: taskList('Tasks after the roles.'),
  post_tasks: taskList('Tasks after tasks.'),
  handlers: taskList('Tasks run once at the end of the play when notified.'),
  become: flag('Run every task through sudo.'),
  become_user: text('User to become.'),
  gather_facts: flag('Gather facts first (default true).'),
  tags: strings('Tags added to every task of the play.'),
  import_playbook: text('Include the plays of another playbook (relative to this one).'),
} as const;

export const playSchema = {
  type: 'object',
  properties: PLAY_KEYWORDS,
  additionalProperties: false,
  if: {required: ['import_playbook']},
  then: {maxProperties: 2},
  else: {required: ['hosts']},
} as const;

/** The playbook as checked at load time (the task lists are checked task by task). */
export const playbookShapeSchema = {
  type: 'array',
  items: {
    ...playSchema,
    properties: {
      ...PLAY_KEYWORDS,
      pre_tasks: {type: ['array', 'null']},
      tasks: {type: ['array', 'null']},
      post_tasks: {type: ['array', 'null']},
      handlers: {type: ['array', 'null']},
    },
  },
} as const;

export const playbookSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `${SCHEMA_BASE}/playbook.schema.json`,
  title: 'pxeprov playbook (Ansible playbook format)',
  type: 'array',
  items: {
    ...playSchema,
    properties: {
      ...PLAY_KEYWORDS,
      pre_tasks: taskList('Tasks before the roles.'),
      tasks: taskList('Tasks after the roles.'),
      post_tasks: taskList('Tasks after tasks.'),
      handlers: taskList('Handlers.'),
    },
  },
} as const;

export const taskListSchema = {type: ['array', 'null'], items: {type: 'object'}} as const;
