import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A construct class of a module folder, as its source declares it. */
export interface ModuleConstruct {
  readonly name: string;
  /** The file it is declared in, relative to the module folder. */
  readonly file: string;
  /** The `module` tag it puts on its resources, if it tags them. */
  readonly tag?: string;
  /** The first sentence of its doc comment. */
  readonly summary: string;
}

/** One folder of `src/modules/`. */
export interface ModuleSource {
  readonly folder: string;
  /** Its main constructs: those that apply a `module` tag, or else its first documented class. */
  readonly constructs: readonly ModuleConstruct[];
  /** The other module folders that import from this one. */
  readonly usedBy: readonly string[];
}

/** A source file of a module folder. */
export interface SourceFile {
  readonly name: string;
  readonly text: string;
}

/**
 * The first sentence of a doc comment's text: up to the first `.`, `!` or `?` followed by the end
 * or by a space and a capital, backquote or parenthesis (so "e.g. nights" does not end it).
 */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const match = /^(.*?[.!?])(?=\s+[A-Z`(]|$)/.exec(flat);
  return match ? match[1] : flat;
}

/** The text of a `/** ... *\/` comment without its delimiters and leading asterisks. */
function commentText(comment: string): string {
  return comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n');
}

interface DeclaredClass {
  readonly name: string;
  readonly file: string;
  readonly doc?: string;
  readonly isConstruct: boolean;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const CLASS = /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?export class (\w+)(?: extends (\w+))?/g;
const MODULE_TAG = /Tags\.of\(this\)\.add\(\s*'module',\s*'([^']+)'\s*\)/g;

function declaredClasses(file: SourceFile): DeclaredClass[] {
  const found = [...file.text.matchAll(CLASS)];
  return found.map((match, index) => ({
    name: match[2],
    file: file.name,
    doc: match[1] === undefined ? undefined : commentText(match[1].trim()),
    isConstruct: match[3] === 'Construct',
    start: match.index,
    end: index + 1 < found.length ? found[index + 1].index : file.text.length,
    text: file.text,
  }));
}

/**
 * A module folder's main constructs from its sources: each class that tags its resources with
 * `module` (`Tags.of(this).add('module', ...)`), or, when none does, its first documented
 * construct class (or documented class).
 */
export function moduleConstructs(files: readonly SourceFile[]): ModuleConstruct[] {
  const classes = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).flatMap(declaredClasses);
  const summary = (cls: DeclaredClass) => (cls.doc === undefined ? '' : firstSentence(cls.doc));
  const tagging = classes.flatMap((cls) => {
    const tags = [...cls.text.slice(cls.start, cls.end).matchAll(MODULE_TAG)].map((match) => match[1]);
    return tags.length > 0 ? [{ name: cls.name, file: cls.file, tag: tags[0], summary: summary(cls) }] : [];
  });
  if (tagging.length > 0) return tagging;
  const documented = classes.filter((cls) => cls.doc !== undefined);
  const main = documented.find((cls) => cls.isConstruct) ?? documented[0];
  return main ? [{ name: main.name, file: main.file, summary: summary(main) }] : [];
}

/** Each module folder's constructs, and which other folders import it, from the folders' files. */
export function moduleSources(folders: Readonly<Record<string, readonly SourceFile[]>>): ModuleSource[] {
  const names = Object.keys(folders).sort();
  return names.map((folder) => ({
    folder,
    constructs: moduleConstructs(folders[folder]),
    usedBy: names.filter(
      (other) => other !== folder && folders[other].some((file) => file.text.includes(`from '../${folder}/`)),
    ),
  }));
}

/** Reads the TypeScript files of every folder under `root` (`src/modules`). */
export function readModuleFolders(root: string): Record<string, SourceFile[]> {
  const folders = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return Object.fromEntries(
    folders.map((folder) => [
      folder.name,
      readdirSync(join(root, folder.name))
        .filter((name) => name.endsWith('.ts'))
        .sort()
        .map((name) => ({ name, text: readFileSync(join(root, folder.name, name), 'utf8') })),
    ]),
  );
}
