// The edges of every bounded input, exactly at and one past each limit, and both anchors (^ and $) of every pattern
// in inputs.ts: a pattern that matched only a part of the input would take a wrong value and fail later, far from
// the input that caused it.
import { readRunProvenance } from '../../src/github/provenance.js'
import { provenanceAnnotations } from '../../src/sync/provenance.js'
import { describe, expect, it } from 'vitest'
import {
  parseAnnotations,
  parseClusterSource,
  parseNamespace,
  parsePrefix,
  parseWholeNumber,
  readInputs
} from '../../src/github/inputs.js'
import { MAX_ANNOTATIONS_BYTES } from '../../src/sync/kube-validation.js'
import { OWNER_ANNOTATION } from '../../src/sync/ownership.js'

const reader =
  (inputs: Record<string, string>) =>
  (name: string): string =>
    inputs[name] ?? ''
const settings = (inputs: Record<string, string>) =>
  readInputs(
    { GITHUB_REPOSITORY: 'acme/dagster-infra', HOME: '/home/runner' },
    reader({ secrets: '{}', ...inputs })
  )

describe('concurrency', () => {
  it.each([
    ['', 10],
    ['1', 1],
    [' 7 ', 7],
    ['100', 100]
  ])('%j -> %i', (text, value) => {
    expect(settings({ concurrency: text }).concurrency).toBe(value)
  })

  it.each(['0', '101', '-1', '1.5', '1e1', '5a', 'a5', 'ten', '0x10'])(
    '%j is refused, naming the range',
    text => {
      expect(() => settings({ concurrency: text })).toThrow(
        `Input \`concurrency\` is "${text}"; use a whole number from 1 to 100.`
      )
    }
  )

  it('timeout_seconds runs from 1 to 3600, 300 by default', () => {
    expect(settings({}).timeoutSeconds).toBe(300)
    expect(settings({ timeout_seconds: '1' }).timeoutSeconds).toBe(1)
    expect(settings({ timeout_seconds: '3600' }).timeoutSeconds).toBe(3600)
    expect(() => settings({ timeout_seconds: '0' })).toThrow('from 1 to 3600')
    expect(() => settings({ timeout_seconds: '3601' })).toThrow('from 1 to 3600')
  })

  it('parseWholeNumber takes exactly its bounds', () => {
    expect(parseWholeNumber('x', '3', 3, 5)).toBe(3)
    expect(parseWholeNumber('x', '5', 3, 5)).toBe(5)
    expect(() => parseWholeNumber('x', '2', 3, 5)).toThrow()
    expect(() => parseWholeNumber('x', '6', 3, 5)).toThrow()
  })
})

describe('prefix', () => {
  const message = (prefix: string): string =>
    `Input \`prefix\` "${prefix}" must be letters, digits and '_' (at most 63, starting with a letter), without the trailing '_': DAGSTER_SECRET selects DAGSTER_SECRET_*.`
  it.each(['A', `A${'B'.repeat(62)}`, 'DAGSTER_SECRET', 'a_1'])('%j (%#) is accepted', prefix => {
    expect(parsePrefix(prefix)).toBe(prefix)
  })
  it.each([
    `A${'B'.repeat(63)}`,
    'DAGSTER-SECRET',
    '-DAGSTER',
    'DAGSTER!',
    '1DAGSTER',
    'DAGSTER_',
    'DAGSTER\nX',
    ''
  ])('%j is refused', prefix => {
    expect(() => parsePrefix(prefix)).toThrow(message(prefix))
  })
  it('defaults to DAGSTER_SECRET', () => expect(settings({}).prefix).toBe('DAGSTER_SECRET'))
})

describe('namespace', () => {
  it.each(['a', 'x'.repeat(63), 'dagster-prd', '0'])('%j is accepted', ns =>
    expect(parseNamespace(ns)).toBe(ns)
  )
  it.each(['x'.repeat(64), '-ns', 'ns-', 'ns!', '!ns', 'a.b', 'NS', ''])('%j is refused', ns => {
    expect(() => parseNamespace(ns)).toThrow(`Input \`namespace\` "${ns}" is not a Kubernetes namespace name`)
  })
  it('defaults to dagster-prd', () => expect(settings({}).namespace).toBe('dagster-prd'))
})

describe('annotations: 256 KiB for all of a Secret’s annotations, the action’s owner annotation included', () => {
  const owner = 'acme/dagster-infra'
  const ours = { [OWNER_ANNOTATION]: owner }
  const budget = MAX_ANNOTATIONS_BYTES - Buffer.byteLength(OWNER_ANNOTATION + owner)
  /** One annotation `k` whose key and value take exactly `bytes`. */
  const sized = (bytes: number): string => `k=${'v'.repeat(bytes - 1)}`

  it('leaves room for the owner annotation', () => expect(budget).toBe(262_144 - 22 - 18))

  it('takes annotations of exactly the budget', () => {
    expect(parseAnnotations(sized(budget), ours).k).toHaveLength(budget - 1)
  })

  it('refuses one byte more, saying what the limit is', () => {
    expect(() => parseAnnotations(sized(budget + 1), ours)).toThrow(
      `Input \`annotations\` holds ${budget + 1} bytes; Kubernetes allows 262144 for all annotations of a Secret, and the action's own (gke-secrets-sync/owner) leave ${budget}.`
    )
  })

  it('counts bytes, not characters, and every key', () => {
    const euro = `e=${'€'.repeat(100)}\nf=x`
    // 'e' and 100 three-byte characters, 'f' and 'x': 303 bytes.
    expect(() =>
      parseAnnotations(euro, { [OWNER_ANNOTATION]: 'o'.repeat(MAX_ANNOTATIONS_BYTES - 22 - 302) })
    ).toThrow('holds 303 bytes')
    expect(
      parseAnnotations(euro, { [OWNER_ANNOTATION]: 'o'.repeat(MAX_ANNOTATIONS_BYTES - 22 - 303) })
    ).toEqual({
      e: '€'.repeat(100),
      f: 'x'
    })
  })

  it('readInputs holds the input to what its owner and provenance annotations leave', () => {
    // GITHUB_REPOSITORY gives the owner and the repository annotation; every write also records its time.
    const provenance = provenanceAnnotations(
      readRunProvenance({ GITHUB_REPOSITORY: 'acme/dagster-infra' }),
      new Date()
    )
    expect(Object.keys(provenance)).toEqual(['gke-secrets-sync/repository', 'gke-secrets-sync/written-at'])
    const left =
      budget - Object.entries(provenance).reduce((sum, [k, v]) => sum + Buffer.byteLength(k + v), 0)
    expect(left).toBe(budget - 27 - 18 - 27 - 20)
    expect(settings({ annotations: sized(left) }).annotations.k).toHaveLength(left - 1)
    expect(() => settings({ annotations: sized(left + 1) })).toThrow('Input `annotations` holds')
  })
})

describe('the patterns of the GKE inputs are anchored', () => {
  const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/github'
  const gke = (inputs: Record<string, string>) =>
    parseClusterSource(
      reader({ cluster_name: 'dagster', location: 'europe-west4', project_id: 'p', ...inputs }),
      {}
    )

  it.each([
    [`https://iam.googleapis.com/${PROVIDER}`],
    [`x${PROVIDER}`],
    [`${PROVIDER}/extra`],
    ['projects/123/locations/europe/workloadIdentityPools/github/providers/github'],
    ['projects/123/locations/global/workloadIdentityPools//providers/github']
  ])('workload_identity_provider %j is refused', provider => {
    expect(() => gke({ workload_identity_provider: provider })).toThrow(
      `\`workload_identity_provider\` "${provider}" must look like projects/123456789/locations/global/workloadIdentityPools/POOL/providers/PROVIDER.`
    )
  })

  it.each([['my-project'], ['123abc'], ['abc123']])(
    'a provider naming project %j (not a number) is refused',
    project => {
      const provider = PROVIDER.replace('123456789012', project)
      expect(() => gke({ workload_identity_provider: provider })).toThrow(
        `names project "${project}"; it needs the project NUMBER`
      )
    }
  )

  it.each([
    ['sa@p.iam.gserviceaccount.com', true],
    ['secrets-sync@my-project.iam.gserviceaccount.com', true],
    ['sa@p.iam.gserviceaccount.com.evil.example', false],
    ['sa@p.iam.gserviceaccount.comx', false],
    ['with space@p.iam.gserviceaccount.com', false],
    ['a@b@p.iam.gserviceaccount.com', false],
    ['sa@p.iam.gserviceaccount.com\n', false],
    ['sa@p-iam-gserviceaccount-com', false],
    ['@p.iam.gserviceaccount.com', false]
  ])('service_account %j accepted: %s', (serviceAccount, accepted) => {
    const parse = () => gke({ workload_identity_provider: PROVIDER, service_account: serviceAccount })
    if (accepted) expect(parse()).toMatchObject({ signIn: { serviceAccount } })
    else expect(parse).toThrow(`\`service_account\` "${serviceAccount}" must be a service account email`)
  })

  it.each([
    ['projects/p/locations/l/clusters/c', { project: 'p', location: 'l', name: 'c' }],
    ['x/projects/p/locations/l/clusters/c', undefined],
    ['projects/p/locations/l/clusters/c/extra', undefined],
    ['projects/p/locations/l/clusters/', undefined],
    ['projects//locations/l/clusters/c', undefined]
  ])('cluster_name %j', (clusterName, cluster) => {
    const parse = () =>
      parseClusterSource(reader({ cluster_name: clusterName }), {}) as { target: { cluster: object } }
    if (cluster) expect(parse().target.cluster).toEqual(cluster)
    else
      expect(parse).toThrow(
        `\`cluster_name\` "${clusterName}" must be a name, or projects/PROJECT/locations/LOCATION/clusters/NAME.`
      )
  })
})

describe('readInputs reads each input into its setting', () => {
  const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/github'
  it('with every input unset: the defaults', () => {
    const s = settings({})
    expect(s).toMatchObject({
      secrets: {},
      prefix: 'DAGSTER_SECRET',
      owner: 'acme/dagster-infra',
      namespace: 'dagster-prd',
      dryRun: false,
      prune: false,
      onConflict: 'fail',
      labels: {},
      annotations: {},
      concurrency: 10,
      timeoutSeconds: 300,
      checkReferences: false
    })
    expect(s.restart).toBeUndefined()
    expect(s.cluster).toEqual({
      kind: 'kubeconfig',
      files: { from: 'home', path: '/home/runner/.kube/config' }
    })
  })

  it('with every input set: each in its place', () => {
    const s = settings({
      secrets: '{"DAGSTER_SECRET_A":"a"}',
      prefix: 'APP',
      owner: 'acme/other',
      namespace: 'ns',
      dry_run: 'true',
      prune: 'true',
      on_conflict: 'adopt',
      labels: 'team=data',
      annotations: 'note=x',
      concurrency: '3',
      timeout_seconds: '60',
      restart_deployments: 'web',
      check_references: 'true',
      kubeconfig: '/k'
    })
    expect(s).toMatchObject({
      secrets: { DAGSTER_SECRET_A: 'a' },
      prefix: 'APP',
      owner: 'acme/other',
      namespace: 'ns',
      dryRun: true,
      prune: true,
      onConflict: 'adopt',
      labels: { team: 'data' },
      annotations: { note: 'x' },
      concurrency: 3,
      timeoutSeconds: 60,
      restart: { kind: 'names', names: ['web'] },
      checkReferences: true,
      cluster: { kind: 'kubeconfig', files: { from: 'input', path: '/k' } }
    })
  })

  it.each([
    ['dry_run', 'maybe'],
    ['prune', 'maybe'],
    ['check_references', 'maybe'],
    ['labels', 'oops'],
    ['annotations', 'oops'],
    ['timeout_seconds', '0'],
    ['restart_deployments', 'Bad_Name']
  ])('names %s in its error', (name, value) => {
    expect(() => settings({ [name]: value })).toThrow(`Input \`${name}\``)
  })

  it('reads the audience and the fleet membership', () => {
    const s = settings({
      cluster_name: 'projects/my-project/locations/europe-west4/clusters/dagster',
      use_connect_gateway: 'true',
      fleet_membership_name: 'projects/fleet-host/locations/global/memberships/dagster',
      workload_identity_provider: PROVIDER,
      audience: 'https://example.com/audience'
    })
    expect(s.cluster).toMatchObject({
      target: {
        cluster: { project: 'my-project', location: 'europe-west4', name: 'dagster' },
        endpoint: 'gateway',
        fleetMembership: { project: 'fleet-host', location: 'global', name: 'dagster' }
      },
      signIn: { kind: 'federation', provider: PROVIDER, audience: 'https://example.com/audience' }
    })
    expect(
      settings({ cluster_name: 'projects/p/locations/l/clusters/c', use_connect_gateway: 'true' }).cluster
    ).not.toHaveProperty('target.fleetMembership')
  })

  it('takes location and project_id that agree with a full cluster_name', () => {
    const s = settings({
      cluster_name: 'projects/my-project/locations/europe-west4/clusters/dagster',
      location: 'europe-west4',
      project_id: 'my-project'
    })
    expect(s.cluster).toMatchObject({ target: { cluster: { project: 'my-project', name: 'dagster' } } })
  })

  it.each([
    [
      'CLOUDSDK_CORE_PROJECT',
      ['CLOUDSDK_CORE_PROJECT', 'CLOUDSDK_PROJECT', 'GCLOUD_PROJECT', 'GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT']
    ],
    ['CLOUDSDK_PROJECT', ['CLOUDSDK_PROJECT', 'GCLOUD_PROJECT', 'GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT']],
    ['GCLOUD_PROJECT', ['GCLOUD_PROJECT', 'GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT']],
    ['GCP_PROJECT', ['GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT']],
    ['GOOGLE_CLOUD_PROJECT', ['GOOGLE_CLOUD_PROJECT']]
  ])('takes the project from %s first when %j are set', (winner, set) => {
    const env = Object.fromEntries(set.map(name => [name, `from-${name}`]))
    const source = parseClusterSource(reader({ cluster_name: 'dagster', location: 'europe-west4' }), env)
    expect(source).toMatchObject({ target: { cluster: { project: `from-${winner}` } } })
  })
})

describe('the text of the inputs', () => {
  it.each(['', '   ', '\n'])('secrets %j is required, and says how to pass it', text => {
    const error = (() => {
      try {
        readInputs({}, reader({ secrets: text }))
      } catch (thrown) {
        return thrown as Error
      }
    })()
    expect(error?.name).toBe('InputError')
    expect(error?.message).toBe(
      'Input `secrets` is required (or `secrets_file`). Pass `secrets: ${{ toJSON(secrets) }}`, or, for secret sets over 128 KiB, write that JSON to a file and pass its path as `secrets_file`.'
    )
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false]
  ])('boolean %s -> %s, whatever the default', (text, value) => {
    expect(settings({ dry_run: text }).dryRun).toBe(value)
    expect(settings({ prune: text }).prune).toBe(value)
    expect(settings({ check_references: text }).checkReferences).toBe(value)
  })

  it('trims the owner from GITHUB_REPOSITORY, and takes one of 253 characters', () => {
    expect(readInputs({ GITHUB_REPOSITORY: ' acme/x \n' }, reader({ secrets: '{}' })).owner).toBe('acme/x')
    expect(settings({ owner: 'o'.repeat(253) }).owner).toHaveLength(253)
  })

  it('skips indented comments and blank lines of labels and annotations', () => {
    expect(settings({ labels: '  # a comment\n   \nteam=data', annotations: '\t# note\nk=v' })).toMatchObject(
      {
        labels: { team: 'data' },
        annotations: { k: 'v' }
      }
    )
    expect(() => settings({ annotations: 'no-equals' })).toThrow(
      'Input `annotations`, line 1: write it as key=value.'
    )
  })

  it.each([
    [' dagster-user-code \n', { kind: 'names', names: ['dagster-user-code'] }],
    ['tier in(a,b)', { kind: 'selector', selector: 'tier in(a,b)' }],
    ['tier notin(a)', { kind: 'selector', selector: 'tier notin(a)' }]
  ])('restart_deployments %j -> %j', (text, target) => {
    expect(settings({ restart_deployments: text }).restart).toEqual(target)
  })
})
