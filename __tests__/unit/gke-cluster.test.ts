import { describe, expect, it } from 'vitest'
import { isPubliclyTrusted, parseFleetMembership } from '../../src/google/gke-cluster.js'

describe('parseFleetMembership', () => {
  it.each([
    ['dagster', { project: 'cluster-project', location: 'global', name: 'dagster' }],
    [
      'projects/fleet-host/locations/global/memberships/dagster',
      { project: 'fleet-host', location: 'global', name: 'dagster' }
    ],
    [
      'projects/fleet-host/locations/europe-west4/gkeMemberships/dagster',
      { project: 'fleet-host', location: 'europe-west4', name: 'dagster' }
    ],
    ['projects/fleet-host/memberships/dagster', undefined],
    ['projects/p/locations/l/clusters/c', undefined]
  ])('%s', (value, expected) => {
    expect(parseFleetMembership(value, 'cluster-project')).toEqual(expected)
  })
})

describe('isPubliclyTrusted', () => {
  it.each([
    ['gke-0123456789abcdef-123456789012.europe-west4.gke.goog', true],
    ['gke-0123.europe-west4.gke.goog:443', true],
    ['GKE-0123.EUROPE-WEST4.GKE.GOOG.', true],
    ['34.90.1.2', false],
    ['10.0.0.2:443', false],
    ['gke.goog.example.com', false],
    ['notgke.goog', false]
  ])('%s: %s', (host, expected) => {
    expect(isPubliclyTrusted(host)).toBe(expected)
  })
})
