// GKE Hub (fleet) double: list memberships by cluster and get one, which is how a client finds the Connect
// gateway path of a cluster (as google-github-actions/get-gke-credentials does). Memberships live in `global`
// or in a region; listing under `locations/-` spans them all, as `gcloud container fleet memberships list`
// (whose default location is `-`) relies on.
// https://cloud.google.com/kubernetes-engine/fleet-management/docs/reference/rest/v1/projects.locations.memberships/list
import type { IncomingMessage, ServerResponse } from 'node:http'
import { authenticate, type AccessTokens } from './google-access-tokens.js'
import type { GoogleApisConfig, GoogleFleetMembership } from './google-apis-config.js'
import { sendGoogleError, sendJson } from './google-http.js'

export const MEMBERSHIPS_PATH = /^\/projects\/([^/]+)\/locations\/([^/]+)\/memberships$/
export const MEMBERSHIP_PATH = /^\/projects\/([^/]+)\/locations\/([^/]+)\/memberships\/([^/]+)$/

/**
 * The one AIP-160 filter clients send here: `endpoint.gkeCluster.resourceLink="<link>"` (quotes optional).
 * Any other filter gets 400, so a client that sends something the double does not understand finds out.
 */
const RESOURCE_LINK_FILTER = /^\s*endpoint\.gkeCluster\.resourceLink\s*=\s*(?:"([^"]*)"|(\S+))\s*$/

const locationOf = (membership: GoogleFleetMembership): string => membership.location ?? 'global'

/** AIP-159: `-` in a parent's location lists the collection across every location. */
const inLocation = (membership: GoogleFleetMembership, location: string): boolean =>
  location === '-' || locationOf(membership) === location

const toMembershipResource = (membership: GoogleFleetMembership): Record<string, unknown> => ({
  name: `projects/${membership.project}/locations/${locationOf(membership)}/memberships/${membership.name}`,
  endpoint: { gkeCluster: { resourceLink: membership.clusterResourceLink } },
  state: { code: 'READY' }
})

export function listMemberships(
  req: IncomingMessage,
  res: ServerResponse,
  path: { project: string; location: string },
  filter: string | null,
  config: GoogleApisConfig,
  tokens: AccessTokens
): void {
  if (!authenticate(req, res, tokens)) return
  let resourceLink: string | undefined
  if (filter !== null && filter !== '') {
    const match = RESOURCE_LINK_FILTER.exec(filter)
    if (!match) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', `Invalid filter: ${filter}`)
    resourceLink = match[1] ?? match[2]
  }
  const resources = config.memberships
    .filter(m => m.project === path.project && inLocation(m, path.location))
    .filter(m => resourceLink === undefined || m.clusterResourceLink === resourceLink)
    .map(toMembershipResource)
  // proto3 JSON leaves out empty repeated fields, so "nothing matched" is `{}`, not `{"resources":[]}`.
  sendJson(res, 200, resources.length > 0 ? { resources } : {})
}

export function getMembership(
  req: IncomingMessage,
  res: ServerResponse,
  path: { project: string; location: string; name: string },
  config: GoogleApisConfig,
  tokens: AccessTokens
): void {
  if (!authenticate(req, res, tokens)) return
  const membership = config.memberships.find(
    m => m.project === path.project && locationOf(m) === path.location && m.name === path.name
  )
  if (!membership) {
    const name = `projects/${path.project}/locations/${path.location}/memberships/${path.name}`
    return sendGoogleError(res, 404, 'NOT_FOUND', `Resource '${name}' was not found`)
  }
  sendJson(res, 200, toMembershipResource(membership))
}
