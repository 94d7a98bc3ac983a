/**
 * zod for every schema a Lambda imports: the tree-shakable functional API (`zod/mini`) with English
 * messages. The classic API puts all of zod (about 440 KiB minified) in each bundle; this keeps only
 * the schemas and checks used. Import it as a namespace (`import * as z from './zod.ts'`) so
 * esbuild can drop the rest. Its schemas parse exactly like classic ones and mix with them.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
