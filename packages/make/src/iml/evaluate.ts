/**
 * A small evaluator for the IML that this app's JSON uses: `{{ … }}` expressions inside strings,
 * anywhere in a communication, parameter or output object.
 *
 * Semantics copied from how Make treats IML in app JSON (as far as this app relies on them):
 * - A string that is exactly one `{{expr}}` takes the expression's value as is (an array stays an
 *   array, a number a number); a string mixing text and expressions is concatenated text.
 * - In objects, a key whose value evaluates to `undefined` is dropped, so optional fields the user
 *   left empty are not sent at all.
 * - Function arguments are separated by commas (app JSON), not semicolons (scenario editor).
 *
 * Grammar (precedence low → high):
 *   or     := and (('or' | '|') and)*
 *   and    := cmp (('and' | '&') cmp)*
 *   cmp    := add (('=' | '!=' | '<' | '<=' | '>' | '>=') add)?
 *   add    := mul (('+' | '-') mul)*
 *   mul    := unary (('*' | '/' | '%') unary)*
 *   unary  := '-' unary | 'not' unary | postfix
 *   postfix:= primary ('.' name | '[' or ']')*
 *   primary:= number | 'text' | "text" | true | false | null | undefined | name '(' args ')' | name | '(' or ')'
 */
import { IML_FUNCTIONS, isEmpty, type ImlFunction } from './functions.ts';

export type Scope = Record<string, unknown>;

export class ImlError extends Error {
  constructor(message: string, readonly expression: string) {
    super(`${message} in {{${expression}}}`);
    this.name = 'ImlError';
  }
}

type Token =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'name'; v: string }
  | { t: 'op'; v: string }
  | { t: 'end' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // A scenario maps a module's output by the module's number (`{{1.id}}`): digits that start a
    // path and are followed by a property are a name, as Make reads them. `1.5` stays a number, and
    // so does an index inside a path (`body.data.2.id`, 1-based).
    const previous = out.at(-1);
    const moduleRef = previous?.t === 'op' && previous.v === '.' ? null : /^[0-9]+(?=\.[A-Za-z_$])/.exec(src.slice(i));
    if (moduleRef) {
      out.push({ t: 'name', v: moduleRef[0] });
      i += moduleRef[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          s += src[j + 1];
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new ImlError('unterminated string', src);
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ t: 'name', v: m[0] });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['!=', '<=', '>='].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('=<>+-*/%()[].,&|'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    throw new ImlError(`unexpected character ${JSON.stringify(c)}`, src);
  }
  out.push({ t: 'end' });
  return out;
}

type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'var'; name: string }
  | { k: 'get'; obj: Node; key: Node }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'neg'; a: Node }
  | { k: 'not'; a: Node };

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly src: string) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private isOp(v: string) {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private isWord(v: string) {
    const t = this.peek();
    return t.t === 'name' && t.v === v;
  }
  private expectOp(v: string) {
    if (!this.isOp(v)) throw new ImlError(`expected ${v}`, this.src);
    this.i++;
  }

  parse(): Node {
    const n = this.or();
    if (this.peek().t !== 'end') throw new ImlError('unexpected trailing input', this.src);
    return n;
  }
  private or(): Node {
    let a = this.and();
    while (this.isOp('|') || this.isWord('or')) {
      this.i++;
      a = { k: 'bin', op: 'or', a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.cmp();
    while (this.isOp('&') || this.isWord('and')) {
      this.i++;
      a = { k: 'bin', op: 'and', a, b: this.cmp() };
    }
    return a;
  }
  private cmp(): Node {
    const a = this.add();
    for (const op of ['=', '!=', '<', '<=', '>', '>=']) {
      if (this.isOp(op)) {
        this.i++;
        return { k: 'bin', op, a, b: this.add() };
      }
    }
    return a;
  }
  private add(): Node {
    let a = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.tokens[this.i++] as { v: string }).v;
      a = { k: 'bin', op, a, b: this.mul() };
    }
    return a;
  }
  private mul(): Node {
    let a = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = (this.tokens[this.i++] as { v: string }).v;
      a = { k: 'bin', op, a, b: this.unary() };
    }
    return a;
  }
  private unary(): Node {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', a: this.unary() };
    }
    if (this.isWord('not')) {
      this.i++;
      return { k: 'not', a: this.unary() };
    }
    return this.postfix();
  }
  private postfix(): Node {
    let n = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.tokens[this.i++]!;
        if (t.t === 'name') n = { k: 'get', obj: n, key: { k: 'lit', v: t.v } };
        else if (t.t === 'num') n = { k: 'get', obj: n, key: { k: 'lit', v: t.v } };
        else throw new ImlError('expected a property name after .', this.src);
      } else if (this.isOp('[')) {
        this.i++;
        const key = this.or();
        this.expectOp(']');
        n = { k: 'get', obj: n, key };
      } else return n;
    }
  }
  private primary(): Node {
    const t = this.tokens[this.i++]!;
    if (t.t === 'num' || t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'op' && t.v === '(') {
      const n = this.or();
      this.expectOp(')');
      return n;
    }
    if (t.t === 'name') {
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (t.v === 'undefined') return { k: 'lit', v: undefined };
      if (this.isOp('(')) {
        this.i++;
        const args: Node[] = [];
        if (!this.isOp(')')) {
          args.push(this.or());
          while (this.isOp(',')) {
            this.i++;
            args.push(this.or());
          }
        }
        this.expectOp(')');
        return { k: 'call', name: t.v, args };
      }
      return { k: 'var', name: t.v };
    }
    throw new ImlError('unexpected token', this.src);
  }
}

const parsed = new Map<string, Node>();
export function parseExpression(src: string): Node {
  let n = parsed.get(src);
  if (!n) {
    n = new Parser(tokenize(src), src).parse();
    parsed.set(src, n);
  }
  return n;
}

const num = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : (v as number));

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === '=' || op === '!=') {
    // Make compares loosely: "5" = 5, and dates by their instant.
    const eq = a instanceof Date || b instanceof Date ? num(a) === num(b) : a == b || String(a) === String(b);
    return op === '=' ? eq : !eq;
  }
  const x = typeof a === 'string' && typeof b === 'string' ? a : num(a);
  const y = typeof a === 'string' && typeof b === 'string' ? b : num(b);
  if (op === '<') return x < y;
  if (op === '<=') return x <= y;
  if (op === '>') return x > y;
  return x >= y;
}

export function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function evalNode(n: Node, scope: Scope, src: string): unknown {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'var': {
      if (n.name in scope) return scope[n.name];
      // Make's zero-argument functions (`uuid`) read like variables.
      const fn = IML_FUNCTIONS[n.name];
      if (fn && fn.arity === 0) return fn.call([], scope);
      return undefined;
    }
    case 'get': {
      const obj = evalNode(n.obj, scope, src);
      const key = evalNode(n.key, scope, src);
      if (obj === null || obj === undefined) return undefined;
      if (Array.isArray(obj) && typeof key === 'number') return obj[key - 1]; // IML arrays are 1-based
      return (obj as Record<string, unknown>)[String(key)];
    }
    case 'call': {
      const fn: ImlFunction | undefined = IML_FUNCTIONS[n.name];
      if (!fn) throw new ImlError(`unknown function ${n.name}`, src);
      if (fn.lazy) return fn.lazy(n.args.map((a) => () => evalNode(a, scope, src)));
      return fn.call(n.args.map((a) => evalNode(a, scope, src)), scope);
    }
    case 'neg':
      return -num(evalNode(n.a, scope, src));
    case 'not':
      return isEmpty(evalNode(n.a, scope, src)) || evalNode(n.a, scope, src) === false;
    case 'bin': {
      if (n.op === 'and') {
        const a = evalNode(n.a, scope, src);
        return truthy(a) ? truthy(evalNode(n.b, scope, src)) : false;
      }
      if (n.op === 'or') {
        const a = evalNode(n.a, scope, src);
        return truthy(a) ? true : truthy(evalNode(n.b, scope, src));
      }
      const a = evalNode(n.a, scope, src);
      const b = evalNode(n.b, scope, src);
      switch (n.op) {
        case '+':
          return typeof a === 'number' && typeof b === 'number' ? a + b : toText(a) + toText(b);
        case '-':
          return num(a) - num(b);
        case '*':
          return num(a) * num(b);
        case '/':
          return num(a) / num(b);
        case '%':
          return num(a) % num(b);
        default:
          return compare(n.op, a, b);
      }
    }
  }
}

/** Make's truthiness for conditions: empty values and `false` are false. */
export function truthy(v: unknown): boolean {
  if (v === false || v === 'false' || v === 0) return false;
  return !isEmpty(v);
}

export function evaluateExpression(src: string, scope: Scope): unknown {
  return evalNode(parseExpression(src), scope, src);
}

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;

/** Evaluates one string: a lone `{{expr}}` keeps its type, anything else becomes text. */
export function evaluateString(s: string, scope: Scope): unknown {
  const lone = /^\{\{([\s\S]*)\}\}$/.exec(s);
  if (lone && !lone[1]!.includes('}}')) return evaluateExpression(lone[1]!, scope);
  if (!s.includes('{{')) return s;
  return s.replace(TEMPLATE, (_, expr: string) => toText(evaluateExpression(expr, scope)));
}

/** Evaluates every string in a JSON value; object keys whose value is `undefined` are dropped. */
export function evaluate(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return evaluateString(value, scope);
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const e = evaluate(v, scope);
      if (e !== undefined) out[k] = e;
    }
    return out;
  }
  return value;
}

/** Every `{{…}}` expression in a JSON value (for checking that the app only calls known functions). */
export function expressionsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') for (const m of value.matchAll(TEMPLATE)) out.push(m[1]!);
  else if (Array.isArray(value)) for (const v of value) expressionsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) expressionsIn(v, out);
  return out;
}

/** The function names an expression calls. */
export function functionsCalled(src: string): string[] {
  const names: string[] = [];
  const walk = (n: Node) => {
    if (n.k === 'call') {
      names.push(n.name);
      n.args.forEach(walk);
    } else if (n.k === 'get') {
      walk(n.obj);
      walk(n.key);
    } else if (n.k === 'bin') {
      walk(n.a);
      walk(n.b);
    } else if (n.k === 'neg' || n.k === 'not') walk(n.a);
    else if (n.k === 'var' && IML_FUNCTIONS[n.name]?.arity === 0) names.push(n.name);
  };
  walk(parseExpression(src));
  return names;
}
