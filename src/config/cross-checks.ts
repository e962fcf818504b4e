/**
 * Checks that involve more than one field: min ≤ max, what each mode
 * requires, and what it would silently ignore. They run only on values that
 * were valid on their own, so one bad value yields one issue, not a cascade.
 */

import type { ConfigIssue } from '../errors.js';
import { DEFAULTS, FIELDS } from './fields.js';
import type { HostPort, RedisMode } from './options.js';
import type { Slot } from './read-field.js';
import { formatReceived } from './redact.js';

export interface CrossCheckInput {
  /** The effective mode; memory mode requires and ignores nothing. */
  readonly mode: RedisMode | 'memory';
  /** The mode as read (its source names the messages). */
  readonly modeSlot: Slot<RedisMode>;
  readonly db: number;
  /** Where the db came from (`REDIS_DB`, `db`, or the URL's name), undefined for the default. */
  readonly dbFrom: string | undefined;
  readonly minConnections: Slot<number>;
  readonly maxConnections: Slot<number>;
  readonly clusterNodes: Slot<readonly HostPort[]>;
  readonly sentinels: Slot<readonly HostPort[]>;
  readonly sentinelMaster: Slot<string | undefined>;
  readonly tlsCertFile: Slot<string | undefined>;
  readonly tlsKeyFile: Slot<string | undefined>;
}

type FieldKey = keyof typeof FIELDS;

const viaOption = (slot: Slot<unknown>, key: FieldKey): boolean => slot.from === FIELDS[key].option;

/**
 * The name to report for a field: its source when set; when unset, the form
 * the caller would use to set it, i.e. the same form (option or variable) as
 * the setting that made it necessary.
 */
function nameOf(slot: Slot<unknown>, key: FieldKey, asOption: boolean): string {
  return slot.from ?? (asOption ? FIELDS[key].option : FIELDS[key].env);
}

function received(slot: Slot<unknown>): string {
  return slot.from === undefined ? '(unset)' : formatReceived(slot.raw, slot.secret, typeof slot.raw !== 'string');
}

export function crossCheck(input: CrossCheckInput, issues: ConfigIssue[]): void {
  const { minConnections: min, maxConnections: max } = input;
  if (min.valid && max.valid && min.value !== undefined) {
    const maxValue = max.value ?? DEFAULTS.maxConnections;
    if (min.value > maxValue) {
      const maxName = nameOf(max, 'maxConnections', viaOption(min, 'minConnections'));
      issues.push({
        name: nameOf(min, 'minConnections', false),
        received: received(min),
        expected: `at most ${maxName} (${maxValue}${max.from === undefined ? ', the default' : ''})`,
      });
    }
  }

  if (input.mode === 'memory') return;

  const modeSlot = input.modeSlot;
  const modeByOption = viaOption(modeSlot, 'mode');
  const required = (slot: Slot<unknown>, key: FieldKey, asOption: boolean, requirement: string) => {
    const name = nameOf(slot, key, asOption);
    const field = FIELDS[key];
    const expected = name === field.env ? field.expectedEnv : field.expectedOption;
    issues.push({ name, received: received(slot), expected: `${expected}; ${requirement}` });
  };
  const unused = (slot: Slot<unknown>, key: FieldKey, needs: RedisMode) => {
    // A setting the mode would ignore is almost always a forgotten REDIS_MODE; ignoring it would connect elsewhere.
    const modeName = nameOf(modeSlot, 'mode', viaOption(slot, key));
    issues.push({
      name: nameOf(slot, key, false),
      received: received(slot),
      expected: `to be unset unless ${modeName}=${needs} (the mode is ${input.mode})`,
    });
  };
  const isEmpty = (slot: Slot<readonly HostPort[]>) => slot.value === undefined || slot.value.length === 0;
  const modeIs = (mode: RedisMode) => `${nameOf(modeSlot, 'mode', false)}=${mode}`;

  const { clusterNodes, sentinels, sentinelMaster } = input;
  if (input.mode === 'cluster') {
    if (clusterNodes.valid && isEmpty(clusterNodes)) {
      required(clusterNodes, 'clusterNodes', modeByOption, `at least one node is required when ${modeIs('cluster')}`);
    }
    if (input.db !== 0) {
      issues.push({
        name: input.dbFrom ?? FIELDS.db.env,
        received: String(input.db),
        expected: `database 0, the only one Redis Cluster has (${modeIs('cluster')})`,
      });
    }
  } else if (clusterNodes.valid && !isEmpty(clusterNodes)) {
    unused(clusterNodes, 'clusterNodes', 'cluster');
  }

  if (input.mode === 'sentinel') {
    if (sentinels.valid && isEmpty(sentinels)) {
      required(sentinels, 'sentinels', modeByOption, `at least one sentinel is required when ${modeIs('sentinel')}`);
    }
    if (sentinelMaster.valid && sentinelMaster.value === undefined) {
      required(sentinelMaster, 'sentinelMaster', modeByOption, `required when ${modeIs('sentinel')}`);
    }
  } else {
    if (sentinels.valid && !isEmpty(sentinels)) unused(sentinels, 'sentinels', 'sentinel');
    if (sentinelMaster.valid && sentinelMaster.value !== undefined) unused(sentinelMaster, 'sentinelMaster', 'sentinel');
  }

  // A certificate without its key (or the reverse) fails at the TLS handshake with an opaque error; catch it here.
  const { tlsCertFile: cert, tlsKeyFile: key } = input;
  if (cert.valid && key.valid && (cert.value === undefined) !== (key.value === undefined)) {
    const [absent, absentKey, present, presentKey] =
      cert.value === undefined ? ([cert, 'tlsCertFile', key, 'tlsKeyFile'] as const) : ([key, 'tlsKeyFile', cert, 'tlsCertFile'] as const);
    const presentName = nameOf(present, presentKey, false);
    required(absent, absentKey, viaOption(present, presentKey), `required when ${presentName} is set`);
  }
}
