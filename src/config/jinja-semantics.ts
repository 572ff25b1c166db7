/**
 * Where nunjucks compiles Jinja expressions to plain JavaScript, Ansible users would get JavaScript's
 * answers: `[] ` and `{}` are true, `[a] + [b]` is the string "a,b", `x or y` returns [] for an empty x,
 * `'-' * 10` is NaN.
 * These patches of the compiler give Jinja's (Python's) answers instead.
 */

type Node = {left: unknown; right: unknown; cond: unknown; body: unknown; else_: unknown; target: unknown};
type Emitter = {
  compile(node: unknown, frame: unknown): void;
  _emit(code: string): void;
  _compileExpression(node: unknown, frame: unknown): void;
};
type Method = (this: Emitter, node: Node, frame: unknown, async?: boolean) => void;

/** Python's truth: empty strings, lists and mappings, 0, None and undefined are false. */
export function jinjaTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Python's `*` on sizes past this would exhaust memory long before it is useful: a template error instead. */
const MAX_REPEAT_ITEMS = 10_000_000;

const isPyInt = (v: unknown): v is number | boolean =>
  typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));

const pyType = (v: unknown): string =>
  v === null || v === undefined
    ? 'NoneType'
    : typeof v === 'string'
      ? 'str'
      : typeof v === 'boolean'
        ? 'bool'
        : typeof v === 'number'
          ? Number.isInteger(v)
            ? 'int'
            : 'float'
          : Array.isArray(v)
            ? 'list'
            : 'dict';

/** Python's `*`: numbers multiply, a string or list times an int repeats (an int below 1 gives an empty one); anything else is a TypeError. */
export function jinjaMul(a: unknown, b: unknown): unknown {
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean'))
    return Number(a) * Number(b);
  const [seq, times] =
    isPyInt(b) && (typeof a === 'string' || Array.isArray(a))
      ? [a, Number(b)]
      : isPyInt(a) && (typeof b === 'string' || Array.isArray(b))
        ? [b, Number(a)]
        : [];
  if (seq === undefined) throw new TypeError(`unsupported operand type(s) for *: '${pyType(a)}' and '${pyType(b)}'`);
  const count = Math.max(0, times!);
  if (seq.length * count > MAX_REPEAT_ITEMS)
    throw new RangeError(
      `${pyType(seq)} * ${count} would hold ${seq.length * count} items (at most ${MAX_REPEAT_ITEMS})`,
    );
  return typeof seq === 'string' ? seq.repeat(count) : Array.from({length: count}, () => seq).flat(1);
}

type AstNode = {typename: string; lineno: number; colno: number; [field: string]: unknown};
type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => AstNode;

export function installJinjaSemantics(nunjucks: unknown): void {
  const {compiler, runtime, parser, nodes} = nunjucks as {
    compiler: {Compiler: {prototype: Record<string, Method>}};
    runtime: Record<string, unknown>;
    parser: {Parser: {prototype: {parseFor(this: unknown): AstNode}}};
    nodes: Record<
      'Array' | 'For' | 'FunCall' | 'If' | 'InlineIf' | 'Literal' | 'LookupVal' | 'NodeList' | 'Set' | 'Symbol',
      NodeClass
    >;
  };
  const proto = compiler.Compiler.prototype;
  if (runtime.jinjaTruthy) return;
  runtime.jinjaTruthy = jinjaTruthy;

  // {% for x in seq if cond %}: Jinja filters the items first, so loop.index, loop.length and {% else %} see
  // only those that pass. nunjucks reads `seq if cond` as an inline if without else; that becomes
  // {% set list = [] %}{% for x in seq %}{% if cond %}(list.push(x)){% endif %}{% endfor %}{% for x in list %}…
  const parseFor = parser.Parser.prototype.parseFor;
  parser.Parser.prototype.parseFor = function () {
    const loop = parseFor.call(this);
    const source = loop.arr as AstNode;
    if (loop.typename !== 'For' || !(source instanceof nodes.InlineIf) || source.else_) return loop;
    const at = [loop.lineno, loop.colno] as const;
    // Named by position: the same in every parse of the template (a loop cannot start where another does).
    const list = new nodes.Symbol(...at, `__pxeprov_filtered_${loop.lineno}_${loop.colno}`);
    const target = loop.name as AstNode;
    const item = target instanceof nodes.Array ? new nodes.Array(...at, target.children) : target;
    const push = new nodes.FunCall(
      ...at,
      new nodes.LookupVal(...at, list, new nodes.Literal(...at, 'push')),
      new nodes.NodeList(...at, [item]),
    );
    const keep = new nodes.If(
      ...at,
      source.cond,
      new nodes.NodeList(...at, [new nodes.If(...at, push, new nodes.NodeList(...at, []), null)]),
      null,
    );
    const gather = new nodes.For(...at, source.body, target, new nodes.NodeList(...at, [keep]), null);
    loop.arr = list;
    return new nodes.NodeList(...at, [new nodes.Set(...at, [list], new nodes.Array(...at, [])), gather, loop]);
  };
  runtime.jinjaAdd = (a: unknown, b: unknown) =>
    Array.isArray(a) && Array.isArray(b) ? [...a, ...b] : (a as number) + (b as number);
  runtime.jinjaMul = jinjaMul;
  runtime.jinjaOr = (a: unknown, b: () => unknown) => (jinjaTruthy(a) ? a : b());
  runtime.jinjaAnd = (a: unknown, b: () => unknown) => (jinjaTruthy(a) ? b() : a);

  /** runtime.NAME(left, right), the right side evaluated only when needed when `lazy`. */
  const binary = (name: string, lazy: boolean): Method =>
    function (node, frame) {
      this._emit(`runtime.${name}(`);
      this.compile(node.left, frame);
      this._emit(lazy ? ', function() { return ' : ', ');
      this.compile(node.right, frame);
      this._emit(lazy ? '; })' : ')');
    };
  proto.compileAdd = binary('jinjaAdd', false);
  proto.compileMul = binary('jinjaMul', false);
  // `x is defined and x.y` must not evaluate x.y when x is undefined.
  proto.compileOr = binary('jinjaOr', true);
  proto.compileAnd = binary('jinjaAnd', true);
  proto.compileNot = function (node, frame) {
    this._emit('!runtime.jinjaTruthy(');
    this.compile(node.target, frame);
    this._emit(')');
  };
  proto.compileInlineIf = function (node, frame) {
    this._emit('(runtime.jinjaTruthy(');
    this.compile(node.cond, frame);
    this._emit(') ? ');
    this.compile(node.body, frame);
    this._emit(' : ');
    if (node.else_ !== null) this.compile(node.else_, frame);
    else this._emit('""');
    this._emit(')');
  };
  // {% if %}: only its condition goes through Python's truth.
  const compileIf = proto.compileIf!;
  proto.compileIf = function (node, frame, async) {
    const compileExpression = this._compileExpression;
    this._compileExpression = function (cond, f) {
      this._compileExpression = compileExpression;
      this._emit('runtime.jinjaTruthy(');
      compileExpression.call(this, cond, f);
      this._emit(')');
    };
    compileIf.call(this, node, frame, async);
  };
}
