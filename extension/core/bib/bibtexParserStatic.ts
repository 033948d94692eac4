/**
 * Static import of @retorquere/bibtex-parser, isolated so that a failing load (CommonJS under tsx, see
 * ./bibtexParserLoader) can be caught. In the esbuild bundle this is the path that is used.
 */
import { parse } from '@retorquere/bibtex-parser';
import type { BibtexParserModule } from './bibtexParserLoader';

export const bibtexParserStatic: BibtexParserModule = { parse: parse as unknown as BibtexParserModule['parse'] };
