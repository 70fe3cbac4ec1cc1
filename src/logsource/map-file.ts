// A user's --logsource-map file (YAML or JSON), read with line numbers so each refusal says where.
import { readFile, stat } from 'node:fs/promises';
import { MAX_FILE_BYTES, parseYamlDocuments, toPlain, type YamlNode } from '../rule/yaml.js';
import { LogsourceMapError } from './errors.js';
import { applyMapFile, parseLogsourceMap, type LogsourceMap } from './map.js';
import { shippedLogsourceMap } from './shipped.js';

/** Every node's path → its line, for errors found on the plain data. */
function linesOf(root: YamlNode): Map<string, number> {
  const lines = new Map<string, number>();
  const visit = (node: YamlNode): void => {
    lines.set(node.path, node.line);
    if (node.kind === 'seq') node.items.forEach(visit);
    if (node.kind === 'map') for (const entry of node.entries) visit(entry.value);
  };
  visit(root);
  return lines;
}

/** The map a file's text gives, applied to `shipped` (extending it, or replacing it with `replace: true`). */
export function parseLogsourceMapText(text: string, file: string, shipped: LogsourceMap = shippedLogsourceMap()): LogsourceMap {
  const documents = parseYamlDocuments(text, file);
  const first = documents[0];
  if (first?.error) throw new LogsourceMapError('yaml', first.error.location, first.error.reason);
  if (documents.length !== 1 || first === undefined) {
    throw new LogsourceMapError('schema', { file, line: 1 }, 'a log source map must be one YAML or JSON document');
  }
  return applyMapFile(shipped, parseLogsourceMap(toPlain(first.root), { file, lines: linesOf(first.root) }));
}

export async function readLogsourceMapFile(file: string, shipped?: LogsourceMap): Promise<LogsourceMap> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new LogsourceMapError('io', { file }, 'not a file');
    if (info.size > MAX_FILE_BYTES) throw new LogsourceMapError('io', { file }, `larger than ${MAX_FILE_BYTES} bytes`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof LogsourceMapError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new LogsourceMapError('io', { file }, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`);
  }
  return parseLogsourceMapText(text, file, shipped);
}
