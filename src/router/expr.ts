/**
 * Expressions of the embedded engine, typed the way Flink types them: the type check at load time (what Flink's
 * validator would refuse) and compilation to closures over a row. Semantics follow Flink SQL 1.20, and every
 * function and operator here has differential cases against Flink (test/integration/router-flink.test.ts):
 * three-valued logic, NULL in -> NULL out, INT as 32-bit and BIGINT as 64-bit two's complement, DECIMAL(p, s) with
 * Flink's precision and scale rules (HALF_UP rounding, NULL on overflow), DOUBLE printed as Java prints it,
 * TIMESTAMP_LTZ printed in the session time zone, strings counted in code points, CAST to VARCHAR(n)/CHAR(n)
 * truncating (and padding).
 *
 * Values in a row: STRING/CHAR -> string, BYTES -> Buffer, BOOLEAN -> boolean, TINYINT/SMALLINT/INT -> number,
 * BIGINT -> bigint, DECIMAL(p, s) -> bigint holding the unscaled value (the scale is the static type's), DOUBLE ->
 * number, TIMESTAMP_LTZ -> epoch milliseconds (number), MAP -> Map, ROW -> plain object, NULL -> null.
 *
 * A value that cannot be evaluated (CAST('x' AS INT), integer division by zero) throws a KamfError
 * ROUTER_EVAL_FAILED, as Flink fails the job.
 *
 * In three parts: expr/types.ts (type inference), expr/values.ts (values, casts, comparison) and expr/compile.ts
 * (closures over a row); this file is their public face.
 */
export { type Row, type Compiled, FUNCTIONS, decimalType, commonType, arithmeticType, inferType, exprText } from './expr/types.js';
export { javaDouble, timestampText, type EvalSettings, renderValue, coerce, castValue, likeToRegExp } from './expr/values.js';
export { compile } from './expr/compile.js';
