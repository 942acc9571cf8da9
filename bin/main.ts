/**
 * The bitplane CLI. Each subcommand lives in bin/commands/<name>.ts and exports `register(program)`; this file
 * loads them all, so adding a command never touches a shared list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { fromRoot } from '../libs/core/src/paths';

/** What every command module exports. */
export interface CommandModule {
  register(program: Command): void;
}

/** Builds the CLI program with every command registered. */
export function buildProgram(): Command {
  const pkg = JSON.parse(fs.readFileSync(fromRoot('package.json'), 'utf8')) as { version: string };
  const program = new Command('bitplane')
    .description('Binarized and event-driven neural networks from training to hardware.')
    .version(pkg.version)
    .showHelpAfterError();
  const dir = path.join(__dirname, 'commands');
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.js') || file.endsWith('.test.js')) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require(path.join(dir, file)) as CommandModule).register(program);
  }
  return program;
}

/** Parses argv and runs the chosen command; errors print one line and exit 1. */
export function run(argv: string[] = process.argv): void {
  buildProgram()
    .parseAsync(argv)
    .catch((e: Error) => {
      console.error(`bitplane: ${e.message}`);
      process.exit(1);
    });
}

if (require.main === module) run();
