import { describe, expect, it } from 'vitest'
import { parseClusterSource } from '../../src/github/inputs.js'
import { googleEndpoints } from '../../src/google/endpoints.js'

const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/github'
const reader =
  (inputs: Record<string, string>) =>
  (name: string): string =>
    inputs[name] ?? ''

describe('parseClusterSource', () => {
  it.each([
    [{ kubeconfig: '/k' }, { KUBECONFIG: '/env' }, { from: 'input', path: '/k' }],
    [
      { kubeconfig: '~/ci/kubeconfig' },
      { HOME: '/home/runner' },
      { from: 'input', path: '/home/runner/ci/kubeconfig' }
    ],
    [{}, { KUBECONFIG: '/a::/b:/a', HOME: '/h' }, { from: 'KUBECONFIG', paths: ['/a', '/b'] }],
    [{}, { HOME: '/home/runner' }, { from: 'home', path: '/home/runner/.kube/config' }],
    [{}, { KUBECONFIG: '', HOME: '/home/runner' }, { from: 'home', path: '/home/runner/.kube/config' }]
  ])('with inputs %j and env %j reads the kubeconfig files %j, in kubectl order', (inputs, env, files) => {
    expect(parseClusterSource(reader(inputs), env)).toEqual({ kind: 'kubeconfig', files })
  })

  it('finds a GKE cluster by name, location and project, with federation and impersonation', () => {
    const source = parseClusterSource(
      reader({
        cluster_name: 'dagster',
        location: 'europe-west4',
        project_id: 'my-project',
        workload_identity_provider: PROVIDER,
        service_account: 'secrets-sync@my-project.iam.gserviceaccount.com'
      }),
      {}
    )
    expect(source).toEqual({
      kind: 'gke',
      target: {
        cluster: { project: 'my-project', location: 'europe-west4', name: 'dagster' },
        endpoint: 'public'
      },
      signIn: {
        kind: 'federation',
        provider: PROVIDER,
        serviceAccount: 'secrets-sync@my-project.iam.gserviceaccount.com',
        audience: `https://iam.googleapis.com/${PROVIDER}`
      },
      endpoints: googleEndpoints({})
    })
  })

  it('takes project and location from a full cluster name, and the project from the environment', () => {
    const full = parseClusterSource(
      reader({ cluster_name: 'projects/p/locations/us-central1-a/clusters/c' }),
      {}
    )
    expect(full).toMatchObject({
      target: { cluster: { project: 'p', location: 'us-central1-a', name: 'c' } },
      signIn: { kind: 'adc', project: 'p' }
    })
    const fromEnv = parseClusterSource(reader({ cluster_name: 'c', location: 'l' }), {
      GOOGLE_CLOUD_PROJECT: 'env-project'
    })
    expect(fromEnv).toMatchObject({ target: { cluster: { project: 'env-project' } } })
  })

  it.each([
    ['use_internal_ip', 'internal'],
    ['use_dns_based_endpoint', 'dns'],
    ['use_connect_gateway', 'gateway']
  ])('%s selects the %s endpoint', (input, endpoint) => {
    const source = parseClusterSource(
      reader({ cluster_name: 'projects/p/locations/l/clusters/c', [input]: 'true' }),
      {}
    )
    expect(source).toMatchObject({ target: { endpoint } })
  })

  it('reads the endpoint overrides', () => {
    const source = parseClusterSource(reader({ cluster_name: 'projects/p/locations/l/clusters/c' }), {
      GHA_ENDPOINT_OVERRIDE_container: 'https://127.0.0.1:1/container/v1/'
    })
    expect(source).toMatchObject({
      endpoints: { container: 'https://127.0.0.1:1/container/v1', sts: 'https://sts.googleapis.com/v1' }
    })
  })

  it.each([
    [{ kubeconfig: '/k', cluster_name: 'c' }, 'Set either `kubeconfig` or `cluster_name`, not both'],
    [
      {
        cluster_name: 'c',
        location: 'l',
        project_id: 'p',
        use_internal_ip: 'true',
        use_connect_gateway: 'true'
      },
      'Choose one of `use_internal_ip` and `use_connect_gateway`'
    ],
    [{ workload_identity_provider: PROVIDER }, '`workload_identity_provider` needs `cluster_name`'],
    [{ use_dns_based_endpoint: 'true', kubeconfig: '/k' }, '`use_dns_based_endpoint` needs `cluster_name`'],
    [{ cluster_name: 'c', project_id: 'p' }, '`location` is required with `cluster_name`'],
    [{ cluster_name: 'c', location: 'l' }, '`project_id` is required with `cluster_name`'],
    [
      { cluster_name: 'projects/p/locations/l/clusters/c', location: 'other' },
      '`location` is "other" but `cluster_name` says "l"'
    ],
    [{ cluster_name: 'a/b' }, 'must be a name, or projects/PROJECT/locations/LOCATION/clusters/NAME'],
    [
      { cluster_name: 'projects/p/locations/l/clusters/c', fleet_membership_name: 'm' },
      'only used with `use_connect_gateway: true`'
    ],
    [
      {
        cluster_name: 'projects/p/locations/l/clusters/c',
        use_connect_gateway: 'true',
        fleet_membership_name: 'projects/p/memberships/m'
      },
      'must be a membership ID, or projects/PROJECT/locations/LOCATION/memberships/NAME'
    ],
    [
      { cluster_name: 'projects/p/locations/l/clusters/c', workload_identity_provider: 'github' },
      'must look like projects/123456789/locations/global'
    ],
    [
      {
        cluster_name: 'projects/p/locations/l/clusters/c',
        workload_identity_provider: PROVIDER.replace('123456789012', 'my-project')
      },
      'needs the project NUMBER, not its ID'
    ],
    [
      { cluster_name: 'projects/p/locations/l/clusters/c', service_account: 'sa@p.iam.gserviceaccount.com' },
      '`service_account` needs `workload_identity_provider`'
    ],
    [
      {
        cluster_name: 'projects/p/locations/l/clusters/c',
        workload_identity_provider: PROVIDER,
        service_account: 'secrets-sync'
      },
      'must be a service account email'
    ],
    [
      { cluster_name: 'projects/p/locations/l/clusters/c', use_internal_ip: 'yes' },
      'Input `use_internal_ip` is "yes"; use true or false.'
    ]
  ])('%j is refused: %s', (inputs, message) => {
    expect(() => parseClusterSource(reader(inputs as Record<string, string>), {})).toThrow(message)
  })
})

describe('service_account: the emails of accounts that can be impersonated', () => {
  const signIn = (serviceAccount: string) =>
    parseClusterSource(
      reader({
        cluster_name: 'projects/p/locations/l/clusters/c',
        workload_identity_provider: PROVIDER,
        service_account: serviceAccount
      }),
      {}
    )

  it.each([
    ['a user-made account', 'secrets-sync@my-project.iam.gserviceaccount.com'],
    ["a domain-scoped project's account", 'sync@my-project.example.com.iam.gserviceaccount.com'],
    ["Compute Engine's default account", '123456789012-compute@developer.gserviceaccount.com'],
    ["App Engine's default account", 'my-project@appspot.gserviceaccount.com'],
    ['the same, in capitals (emails ignore case)', 'Secrets-Sync@My-Project.iam.gserviceaccount.com']
  ])('%s is accepted: %s', (_, email) => {
    expect(signIn(email)).toMatchObject({ signIn: { kind: 'federation', serviceAccount: email } })
  })

  it.each([
    ['no domain', 'secrets-sync'],
    ['another domain', 'secrets-sync@my-project.example.com'],
    ['a suffix after the domain', 'secrets-sync@my-project.iam.gserviceaccount.com.evil.example'],
    ['a second @', 'a@b@my-project.iam.gserviceaccount.com'],
    ['no project', 'secrets-sync@.iam.gserviceaccount.com'],
    ['a path in the name', 'a/../b@my-project.iam.gserviceaccount.com'],
    ['a newline before a valid line', 'x\nsecrets-sync@my-project.iam.gserviceaccount.com'],
    ['a newline after a valid line', 'secrets-sync@my-project.iam.gserviceaccount.com\nx'],
    ['compute without the project number', 'my-project-compute@developer.gserviceaccount.com'],
    ['compute without -compute', '123456789012@developer.gserviceaccount.com'],
    ['compute under another domain', '123456789012-compute@developer.gserviceaccount.com.evil.example'],
    ['compute, the domain misspelt', '123456789012-compute@developers.gserviceaccount.com'],
    ['appspot without gserviceaccount', 'my-project@appspot.com'],
    ['appspot with a project ending in -', 'my-project-@appspot.gserviceaccount.com'],
    ['appspot with a project starting with a digit', '1project@appspot.gserviceaccount.com'],
    ['appspot under another domain', 'my-project@appspot.gserviceaccount.com.evil.example']
  ])('%s is refused: %j', (_, email) => {
    expect(() => signIn(email)).toThrow(
      /must be a service account email: NAME@PROJECT\.iam\.gserviceaccount\.com, or a default account, NUMBER-compute@developer\.gserviceaccount\.com \(Compute Engine\) or PROJECT@appspot\.gserviceaccount\.com \(App Engine\)\./
    )
  })
})
