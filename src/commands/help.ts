import {Args, Command} from '@oclif/core';

export default class HelpCommand extends Command {
  static override summary = 'Show the help of a command (pxeprov help up is pxeprov up --help).';
  static override strict = false;
  static override args = {
    command: Args.string({description: 'The command, its words separated by spaces (lab up).', required: false}),
  };
  static override examples = ['<%= config.bin %> help up', '<%= config.bin %> help lab boot'];

  async run(): Promise<void> {
    const {argv} = await this.parse(HelpCommand);
    const words = argv as string[];
    const id = words.join(':');
    if (id && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      const {failUnknownCommand} = await import('../cli/unknown-command.js');
      failUnknownCommand(id, this.argv, this.config);
    }
    const {loadHelpClass} = await import('@oclif/core');
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, this.config.pjson.oclif.helpOptions).showHelp(words);
  }
}
