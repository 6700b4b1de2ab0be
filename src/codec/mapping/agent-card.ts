/** SDK ⇄ Avro for AgentCard and everything inside it (interfaces, skills, security schemes, OAuth flows). */
import type {
  AgentCapabilities,
  AgentCard,
  AgentCardSignature,
  AgentExtension,
  AgentInterface,
  AgentProvider,
  AgentSkill,
  OAuthFlows,
  SecurityRequirement,
  SecurityScheme,
} from '@a2a-js/sdk';
import { type AvroRecord, bool, jsonToText, list, mapValues, mappingError, oneofField, opt, str, textToJson, unopt } from './util.js';

/** Avro shapes here are simple enough to leave as plain records. */
type R = AvroRecord;

const interfaceToAvro = (x: AgentInterface): R => ({
  url: str(x.url),
  protocolBinding: str(x.protocolBinding),
  tenant: str(x.tenant),
  protocolVersion: str(x.protocolVersion),
});
const interfaceFromAvro = (a: R): AgentInterface => ({
  url: a.url as string,
  protocolBinding: a.protocolBinding as string,
  tenant: a.tenant as string,
  protocolVersion: a.protocolVersion as string,
});

const providerToAvro = (x: AgentProvider): R => ({ url: str(x.url), organization: str(x.organization) });
const providerFromAvro = (a: R): AgentProvider => ({ url: a.url as string, organization: a.organization as string });

const extensionToAvro = (x: AgentExtension, path: string): R => ({
  uri: str(x.uri),
  description: str(x.description),
  required: bool(x.required),
  params: jsonToText(`${path}.params`, x.params),
});
const extensionFromAvro = (a: R, path: string): AgentExtension => ({
  uri: a.uri as string,
  description: a.description as string,
  required: a.required as boolean,
  params: textToJson(`${path}.params`, a.params as string | null) as AgentExtension['params'],
});

const capabilitiesToAvro = (x: AgentCapabilities, path: string): R => ({
  streaming: opt(x.streaming),
  pushNotifications: opt(x.pushNotifications),
  extensions: list(x.extensions).map((e, i) => extensionToAvro(e, `${path}.extensions[${i}]`)),
  extendedAgentCard: opt(x.extendedAgentCard),
});
const capabilitiesFromAvro = (a: R, path: string): AgentCapabilities => ({
  streaming: unopt(a.streaming as boolean | null),
  pushNotifications: unopt(a.pushNotifications as boolean | null),
  extensions: (a.extensions as R[]).map((e, i) => extensionFromAvro(e, `${path}.extensions[${i}]`)),
  extendedAgentCard: unopt(a.extendedAgentCard as boolean | null),
});

export const securityRequirementToAvro = (x: SecurityRequirement, path: string): R => ({
  schemes: mapValues(x.schemes, (v) => list(v?.list), `${path}.schemes`),
});
export const securityRequirementFromAvro = (a: R): SecurityRequirement => ({
  schemes: mapValues(a.schemes as Record<string, string[]>, (v) => ({ list: [...v] })),
});

const skillToAvro = (x: AgentSkill, path: string): R => ({
  id: str(x.id),
  name: str(x.name),
  description: str(x.description),
  tags: list(x.tags),
  examples: list(x.examples),
  inputModes: list(x.inputModes),
  outputModes: list(x.outputModes),
  securityRequirements: list(x.securityRequirements).map((r, i) => securityRequirementToAvro(r, `${path}.securityRequirements[${i}]`)),
});
const skillFromAvro = (a: R): AgentSkill => ({
  id: a.id as string,
  name: a.name as string,
  description: a.description as string,
  tags: [...(a.tags as string[])],
  examples: [...(a.examples as string[])],
  inputModes: [...(a.inputModes as string[])],
  outputModes: [...(a.outputModes as string[])],
  securityRequirements: (a.securityRequirements as R[]).map(securityRequirementFromAvro),
});

const signatureToAvro = (x: AgentCardSignature, path: string): R => ({
  protected: str(x.protected),
  signature: str(x.signature),
  header: jsonToText(`${path}.header`, x.header),
});
const signatureFromAvro = (a: R, path: string): AgentCardSignature => ({
  protected: a.protected as string,
  signature: a.signature as string,
  header: textToJson(`${path}.header`, a.header as string | null) as AgentCardSignature['header'],
});

// ---- OAuth flows (oneof `flow`) -------------------------------------------------------------------------

const scopes = (m: Record<string, string> | undefined, path?: string): Record<string, string> => mapValues(m, (v) => v, path);
const FLOW_FIELDS = ['authorizationCode', 'clientCredentials', 'implicit', 'password', 'deviceCode'] as const;

function oauthFlowsToAvro(x: OAuthFlows, path: string): R {
  const out: R = { authorizationCode: null, clientCredentials: null, implicit: null, password: null, deviceCode: null };
  const f = x.flow;
  if (f === undefined || f === null) return out;
  switch (f.$case) {
    case 'authorizationCode':
      out.authorizationCode = {
        authorizationUrl: str(f.value.authorizationUrl),
        tokenUrl: str(f.value.tokenUrl),
        refreshUrl: str(f.value.refreshUrl),
        scopes: scopes(f.value.scopes, `${path}.flow.value.scopes`),
        pkceRequired: bool(f.value.pkceRequired),
      };
      break;
    case 'clientCredentials':
      out.clientCredentials = {
        tokenUrl: str(f.value.tokenUrl),
        refreshUrl: str(f.value.refreshUrl),
        scopes: scopes(f.value.scopes, `${path}.flow.value.scopes`),
      };
      break;
    case 'implicit':
      out.implicit = {
        authorizationUrl: str(f.value.authorizationUrl),
        refreshUrl: str(f.value.refreshUrl),
        scopes: scopes(f.value.scopes, `${path}.flow.value.scopes`),
      };
      break;
    case 'password':
      out.password = {
        tokenUrl: str(f.value.tokenUrl),
        refreshUrl: str(f.value.refreshUrl),
        scopes: scopes(f.value.scopes, `${path}.flow.value.scopes`),
      };
      break;
    case 'deviceCode':
      out.deviceCode = {
        deviceAuthorizationUrl: str(f.value.deviceAuthorizationUrl),
        tokenUrl: str(f.value.tokenUrl),
        refreshUrl: str(f.value.refreshUrl),
        scopes: scopes(f.value.scopes, `${path}.flow.value.scopes`),
      };
      break;
    default:
      throw mappingError(`${path}.flow`, `unknown oneof case ${String((f as { $case: unknown }).$case)}`);
  }
  return out;
}

function oauthFlowsFromAvro(a: R, path: string): OAuthFlows {
  const which = oneofField(`${path}.flow`, a, FLOW_FIELDS);
  if (which === undefined) return { flow: undefined };
  const v = a[which] as R;
  const sc = scopes(v.scopes as Record<string, string>);
  switch (which) {
    case 'authorizationCode':
      return {
        flow: {
          $case: which,
          value: {
            authorizationUrl: v.authorizationUrl as string,
            tokenUrl: v.tokenUrl as string,
            refreshUrl: v.refreshUrl as string,
            scopes: sc,
            pkceRequired: v.pkceRequired as boolean,
          },
        },
      };
    case 'clientCredentials':
      return { flow: { $case: which, value: { tokenUrl: v.tokenUrl as string, refreshUrl: v.refreshUrl as string, scopes: sc } } };
    case 'implicit':
      return {
        flow: { $case: which, value: { authorizationUrl: v.authorizationUrl as string, refreshUrl: v.refreshUrl as string, scopes: sc } },
      };
    case 'password':
      return { flow: { $case: which, value: { tokenUrl: v.tokenUrl as string, refreshUrl: v.refreshUrl as string, scopes: sc } } };
    case 'deviceCode':
      return {
        flow: {
          $case: which,
          value: {
            deviceAuthorizationUrl: v.deviceAuthorizationUrl as string,
            tokenUrl: v.tokenUrl as string,
            refreshUrl: v.refreshUrl as string,
            scopes: sc,
          },
        },
      };
  }
}

// ---- SecurityScheme (oneof `scheme`) -------------------------------------------------------------------

const SCHEME_FIELDS = [
  'apiKeySecurityScheme',
  'httpAuthSecurityScheme',
  'oauth2SecurityScheme',
  'openIdConnectSecurityScheme',
  'mtlsSecurityScheme',
] as const;

function securitySchemeToAvro(x: SecurityScheme, path: string): R {
  const out: R = Object.fromEntries(SCHEME_FIELDS.map((f) => [f, null]));
  const s = x?.scheme;
  if (s === undefined || s === null) return out;
  switch (s.$case) {
    case 'apiKeySecurityScheme':
      out[s.$case] = { description: str(s.value.description), location: str(s.value.location), name: str(s.value.name) };
      break;
    case 'httpAuthSecurityScheme':
      out[s.$case] = { description: str(s.value.description), scheme: str(s.value.scheme), bearerFormat: str(s.value.bearerFormat) };
      break;
    case 'oauth2SecurityScheme':
      out[s.$case] = {
        description: str(s.value.description),
        flows: s.value.flows === undefined || s.value.flows === null ? null : oauthFlowsToAvro(s.value.flows, `${path}.scheme.flows`),
        oauth2MetadataUrl: str(s.value.oauth2MetadataUrl),
      };
      break;
    case 'openIdConnectSecurityScheme':
      out[s.$case] = { description: str(s.value.description), openIdConnectUrl: str(s.value.openIdConnectUrl) };
      break;
    case 'mtlsSecurityScheme':
      out[s.$case] = { description: str(s.value.description) };
      break;
    default:
      throw mappingError(`${path}.scheme`, `unknown oneof case ${String((s as { $case: unknown }).$case)}`);
  }
  return out;
}

function securitySchemeFromAvro(a: R, path: string): SecurityScheme {
  const which = oneofField(`${path}.scheme`, a, SCHEME_FIELDS);
  if (which === undefined) return { scheme: undefined };
  const v = a[which] as R;
  switch (which) {
    case 'apiKeySecurityScheme':
      return {
        scheme: { $case: which, value: { description: v.description as string, location: v.location as string, name: v.name as string } },
      };
    case 'httpAuthSecurityScheme':
      return {
        scheme: {
          $case: which,
          value: { description: v.description as string, scheme: v.scheme as string, bearerFormat: v.bearerFormat as string },
        },
      };
    case 'oauth2SecurityScheme':
      return {
        scheme: {
          $case: which,
          value: {
            description: v.description as string,
            flows: v.flows === null ? undefined : oauthFlowsFromAvro(v.flows as R, `${path}.scheme.flows`),
            oauth2MetadataUrl: v.oauth2MetadataUrl as string,
          },
        },
      };
    case 'openIdConnectSecurityScheme':
      return { scheme: { $case: which, value: { description: v.description as string, openIdConnectUrl: v.openIdConnectUrl as string } } };
    case 'mtlsSecurityScheme':
      return { scheme: { $case: which, value: { description: v.description as string } } };
  }
}

// ---- AgentCard -----------------------------------------------------------------------------------------

export function agentCardToAvro(c: AgentCard, path: string): R {
  return {
    name: str(c.name),
    description: str(c.description),
    supportedInterfaces: list(c.supportedInterfaces).map(interfaceToAvro),
    provider: c.provider === undefined || c.provider === null ? null : providerToAvro(c.provider),
    version: str(c.version),
    documentationUrl: opt(c.documentationUrl),
    capabilities:
      c.capabilities === undefined || c.capabilities === null ? null : capabilitiesToAvro(c.capabilities, `${path}.capabilities`),
    securitySchemes: mapValues(
      c.securitySchemes,
      (v, k) => securitySchemeToAvro(v, `${path}.securitySchemes[${JSON.stringify(k)}]`),
      `${path}.securitySchemes`,
    ),
    securityRequirements: list(c.securityRequirements).map((r, i) => securityRequirementToAvro(r, `${path}.securityRequirements[${i}]`)),
    defaultInputModes: list(c.defaultInputModes),
    defaultOutputModes: list(c.defaultOutputModes),
    skills: list(c.skills).map((x, i) => skillToAvro(x, `${path}.skills[${i}]`)),
    signatures: list(c.signatures).map((s, i) => signatureToAvro(s, `${path}.signatures[${i}]`)),
    iconUrl: opt(c.iconUrl),
  };
}

export function agentCardFromAvro(a: R, path: string): AgentCard {
  return {
    name: a.name as string,
    description: a.description as string,
    supportedInterfaces: (a.supportedInterfaces as R[]).map(interfaceFromAvro),
    provider: a.provider === null ? undefined : providerFromAvro(a.provider as R),
    version: a.version as string,
    documentationUrl: unopt(a.documentationUrl as string | null),
    capabilities: a.capabilities === null ? undefined : capabilitiesFromAvro(a.capabilities as R, `${path}.capabilities`),
    securitySchemes: mapValues(a.securitySchemes as Record<string, R>, (v, k) =>
      securitySchemeFromAvro(v, `${path}.securitySchemes[${JSON.stringify(k)}]`),
    ),
    securityRequirements: (a.securityRequirements as R[]).map(securityRequirementFromAvro),
    defaultInputModes: [...(a.defaultInputModes as string[])],
    defaultOutputModes: [...(a.defaultOutputModes as string[])],
    skills: (a.skills as R[]).map(skillFromAvro),
    signatures: (a.signatures as R[]).map((s, i) => signatureFromAvro(s, `${path}.signatures[${i}]`)),
    iconUrl: unopt(a.iconUrl as string | null),
  };
}
