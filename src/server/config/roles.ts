/* The shape of configured roles, shared by the configuration loader and the partition-based sync settings. */

export type RuleConfig = boolean | string;

export interface RoleConfig {
  readonly name: string;
  readonly applyWhen: RuleConfig;
  readonly read: RuleConfig;
  readonly write: RuleConfig;
  readonly fields?: Readonly<Record<string, { readonly read?: boolean; readonly write?: boolean }>>;
}

export interface RolesConfig {
  readonly byType: Readonly<Record<string, readonly RoleConfig[]>>;
  readonly default: readonly RoleConfig[];
}
