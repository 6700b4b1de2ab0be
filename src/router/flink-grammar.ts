/**
 * Flink's SQL grammar (dt-sql-parser's ANTLR FlinkSQL). dt-sql-parser ships ESM that plain Node cannot resolve
 * (extensionless, directory imports), so the build bundles this one module; everything else imports it from here.
 */
export { FlinkSQL } from 'dt-sql-parser';
export * as FlinkSqlParser from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser.js';
