// argv → a command; nothing else. Bundled by build.mjs into dist/spy.mjs.
import { main } from '../src/cli/main.js';

process.exitCode = main(process.argv.slice(2));
