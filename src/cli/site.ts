// What CPython's site module adds for interactive use and scripts read from standard input:
// `exit` and `quit`, whose repr says how to leave and whose call raises SystemExit.
import type { VM } from '../vm/interp.js';
import { Namespace, Value } from '../vm/values.js';

/** CPython's _sitebuiltins.Quitter, written in spy. */
const SITE = `
class Quitter:
    def __init__(self, name, eof):
        self.name = name
        self.eof = eof
    def __repr__(self):
        return f'Use {self.name}() or {self.eof} to exit'
    def __call__(self, code=None):
        raise SystemExit(code)
`;

/** Installs exit() and quit() as builtins. */
export function installQuitters(vm: VM): void {
  const ns = new Namespace([['__name__', '_sitebuiltins']]);
  vm.runModule(vm.compileOrRaise(SITE, '<spy site>'), ns);
  const quitter = ns.get('Quitter') as Value;
  for (const name of ['exit', 'quit']) vm.builtins.set(name, vm.callNested(quitter, [name, 'Ctrl-D (i.e. EOF)']));
}
