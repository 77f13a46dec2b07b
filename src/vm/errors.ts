// The built-in exception hierarchy (CPython's Objects/exceptions.c tree, the parts people meet)
// and the one way TypeScript code raises a spy exception: `throw raise(TypeError, "...")`.
import { PyClass, PyException, PyTuple, Value, objectType, typeType } from './values.js';

function exceptionClass(name: string, base: PyClass | null): PyClass {
  const cls = new PyClass(name, base ? [base] : [objectType], new Map(), 'exception', true);
  cls.cls = typeType;
  cls.isException = true;
  cls.mro = [cls, ...(base ? base.mro : [objectType])];
  cls.base = cls;
  return cls;
}

export const BaseException = exceptionClass('BaseException', null);
export const SystemExit = exceptionClass('SystemExit', BaseException);
/** Stackless: ends a tasklet silently; a builtin, like SystemExit which it derives from */
export const TaskletExit = exceptionClass('TaskletExit', SystemExit);
export const KeyboardInterrupt = exceptionClass('KeyboardInterrupt', BaseException);
export const GeneratorExit = exceptionClass('GeneratorExit', BaseException);
export const Exception = exceptionClass('Exception', BaseException);
export const StopIteration = exceptionClass('StopIteration', Exception);
export const ArithmeticError = exceptionClass('ArithmeticError', Exception);
export const FloatingPointError = exceptionClass('FloatingPointError', ArithmeticError);
export const OverflowError = exceptionClass('OverflowError', ArithmeticError);
export const ZeroDivisionError = exceptionClass('ZeroDivisionError', ArithmeticError);
export const AssertionError = exceptionClass('AssertionError', Exception);
export const AttributeError = exceptionClass('AttributeError', Exception);
export const BufferError = exceptionClass('BufferError', Exception);
export const EOFError = exceptionClass('EOFError', Exception);
export const ImportError = exceptionClass('ImportError', Exception);
export const ModuleNotFoundError = exceptionClass('ModuleNotFoundError', ImportError);
export const LookupError = exceptionClass('LookupError', Exception);
export const IndexError = exceptionClass('IndexError', LookupError);
export const KeyError = exceptionClass('KeyError', LookupError);
export const MemoryError = exceptionClass('MemoryError', Exception);
export const NameError = exceptionClass('NameError', Exception);
export const UnboundLocalError = exceptionClass('UnboundLocalError', NameError);
export const OSError = exceptionClass('OSError', Exception);
export const FileNotFoundError = exceptionClass('FileNotFoundError', OSError);
export const TimeoutError = exceptionClass('TimeoutError', OSError);
export const PermissionError = exceptionClass('PermissionError', OSError);
export const FileExistsError = exceptionClass('FileExistsError', OSError);
export const IsADirectoryError = exceptionClass('IsADirectoryError', OSError);
export const NotADirectoryError = exceptionClass('NotADirectoryError', OSError);
export const InterruptedError = exceptionClass('InterruptedError', OSError);
export const ConnectionError = exceptionClass('ConnectionError', OSError);
export const BrokenPipeError = exceptionClass('BrokenPipeError', ConnectionError);
export const ConnectionRefusedError = exceptionClass('ConnectionRefusedError', ConnectionError);
export const ConnectionResetError = exceptionClass('ConnectionResetError', ConnectionError);
export const ProcessLookupError = exceptionClass('ProcessLookupError', OSError);
export const StopAsyncIteration = exceptionClass('StopAsyncIteration', Exception);
export const ReferenceError = exceptionClass('ReferenceError', Exception);
export const RuntimeError = exceptionClass('RuntimeError', Exception);
export const NotImplementedError = exceptionClass('NotImplementedError', RuntimeError);
export const RecursionError = exceptionClass('RecursionError', RuntimeError);
export const SyntaxError = exceptionClass('SyntaxError', Exception);
export const IndentationError = exceptionClass('IndentationError', SyntaxError);
export const TabError = exceptionClass('TabError', IndentationError);
export const SystemError = exceptionClass('SystemError', Exception);
export const TypeError = exceptionClass('TypeError', Exception);
export const ValueError = exceptionClass('ValueError', Exception);
export const UnicodeError = exceptionClass('UnicodeError', ValueError);
export const UnicodeDecodeError = exceptionClass('UnicodeDecodeError', UnicodeError);
export const UnicodeEncodeError = exceptionClass('UnicodeEncodeError', UnicodeError);
export const Warning = exceptionClass('Warning', Exception);
export const DeprecationWarning = exceptionClass('DeprecationWarning', Warning);
export const UserWarning = exceptionClass('UserWarning', Warning);
export const RuntimeWarning = exceptionClass('RuntimeWarning', Warning);
export const SyntaxWarning = exceptionClass('SyntaxWarning', Warning);
export const FutureWarning = exceptionClass('FutureWarning', Warning);
export const PendingDeprecationWarning = exceptionClass('PendingDeprecationWarning', Warning);
export const ImportWarning = exceptionClass('ImportWarning', Warning);
export const ResourceWarning = exceptionClass('ResourceWarning', Warning);

export const EXCEPTION_CLASSES: readonly PyClass[] = [
  BaseException, SystemExit, TaskletExit, KeyboardInterrupt, GeneratorExit, Exception, StopIteration, ArithmeticError,
  FloatingPointError, OverflowError, ZeroDivisionError, AssertionError, AttributeError, BufferError, EOFError,
  ImportError, ModuleNotFoundError, LookupError, IndexError, KeyError, MemoryError, NameError, UnboundLocalError,
  OSError, FileNotFoundError, TimeoutError, PermissionError, FileExistsError, IsADirectoryError, NotADirectoryError,
  InterruptedError, ConnectionError, BrokenPipeError, ConnectionRefusedError, ConnectionResetError, ProcessLookupError,
  StopAsyncIteration, UnicodeDecodeError, UnicodeEncodeError, SyntaxWarning, FutureWarning, PendingDeprecationWarning,
  ImportWarning, ResourceWarning, ReferenceError, RuntimeError, NotImplementedError, RecursionError,
  SyntaxError, IndentationError, TabError, SystemError, TypeError, ValueError, UnicodeError, Warning,
  DeprecationWarning, UserWarning, RuntimeWarning,
];

/** A new exception instance of a built-in class with the given args. */
export function newException(cls: PyClass, ...args: Value[]): PyException {
  return new PyException(cls, new PyTuple(args));
}

/** `throw raise(TypeError, msg)` — the exception object is what gets thrown. */
export function raise(cls: PyClass, msg?: string): PyException {
  return msg === undefined ? newException(cls) : newException(cls, msg);
}

export function isSubclass(cls: PyClass, base: PyClass): boolean {
  return cls === base || cls.mro.includes(base);
}
