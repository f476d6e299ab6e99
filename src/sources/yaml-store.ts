/**
 * Parsed property files (`YamlParseResult`, see `YamlTreeCache` in `src/ports.ts`) kept between local reviews in the
 * repository's git directory: `<git dir>/dbt-pr-reviewer/yaml/<parser>/<key>.json`, one file per parsed text (the
 * whole file, or the part of it a review's focus kept). The key is the SHA-256 of the text; `<parser>` names the
 * code that builds trees (js-yaml's version and `src/dbt/yamlTree.ts` with its helpers), so an upgrade starts a new
 * folder. Reading a stored tree takes ~1/9 of parsing the text again in a short CLI process (measured on 400
 * property files of the 2,000-model bench project: 6 ms instead of 59 ms).
 *
 * Never fatal (see `VersionedStore`): an entry that does not decode is parsed again (and replaced).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { YamlParseResult, YamlTreeCache } from '../dbt/yamlTree.js';
import { decodeYamlParse, encodeYamlParse, yamlNodesWithin } from '../dbt/yamlTreeCodec.js';
import { codeVersionId, storesRoot, VersionedStore, type StoreCodec } from './versioned-store.js';

/** Bump when the stored form changes without a change to the modules `yamlParserId` reads. */
const STORE_FORMAT = 1;

/** Beyond this many stored trees (~1-20 KB each), a review keeps only the ones it used. */
const MAX_STORED_TREES = 3_000;

/**
 * A tree is stored only when it holds at most this many nodes per character of its text, plus `NODES_ALLOWED`: a
 * property file holds about one node per 10-20 characters, and a text whose aliases expand it far beyond its size is
 * cheap to parse again but would take many times its size on disk (PR content is untrusted).
 */
const NODES_PER_CHARACTER = 0.5;
const NODES_ALLOWED = 1_000;

/**
 * The modules of `src/dbt/` whose code decides a stored tree (compiled `.js`, or `.ts` when run from sources): the
 * tree, its codec, line positions and the fast parser of `fastYaml/`.
 */
const PARSER_MODULES = /^(?:yamlTree|yamlTreeCodec|textLines|fastYaml\/[^/]+)\.(?:js|ts)$/;

export function yamlStoreRoot(gitDir: string): string {
  return join(storesRoot(gitDir), 'yaml');
}

/** Names the code that turns a text into a stored tree: this store's format, js-yaml's version and its modules. */
export function yamlParserId(): Promise<string> {
  return codeVersionId({ format: STORE_FORMAT, packageName: 'js-yaml', dir: new URL('../dbt/', import.meta.url), modules: PARSER_MODULES });
}

const TREE_CODEC: StoreCodec<YamlParseResult> = { encode: encodeYamlParse, decode: decodeYamlParse };

export class YamlTreeStore implements YamlTreeCache {
  /** The key of each text this review asked for: a text that was missing is hashed once, not again when it is set. */
  private readonly keys = new Map<string, string>();

  private constructor(private readonly store: VersionedStore<YamlParseResult>) {}

  /** The store of `parser` under `root` (empty when there is none or it cannot be read). */
  static async open(root: string, parser: string, maxEntries = MAX_STORED_TREES): Promise<YamlTreeStore> {
    return new YamlTreeStore(await VersionedStore.open(root, parser, TREE_CODEC, maxEntries));
  }

  get(text: string): YamlParseResult | undefined {
    return this.store.get(this.keyOf(text));
  }

  set(text: string, result: YamlParseResult): void {
    if (!yamlNodesWithin(result, NODES_ALLOWED + NODES_PER_CHARACTER * text.length)) return;
    this.store.set(this.keyOf(text), result);
  }

  private keyOf(text: string): string {
    let key = this.keys.get(text);
    if (key === undefined) {
      key = createHash('sha256').update(text).digest('hex');
      this.keys.set(text, key);
    }
    return key;
  }

  /** Writes the trees parsed in this review (see `VersionedStore.save`); an error message instead of throwing. */
  save(now?: number): Promise<string | undefined> {
    return this.store.save(now);
  }
}
