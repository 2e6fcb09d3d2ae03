// Base URLs of the Google APIs the action calls. Each can be replaced through GHA_ENDPOINT_OVERRIDE_<key>,
// the convention of google-github-actions (actions-utils), for sovereign clouds, proxies and tests.

const DEFAULTS = {
  sts: 'https://sts.googleapis.com/v1',
  iamcredentials: 'https://iamcredentials.googleapis.com/v1',
  container: 'https://container.googleapis.com/v1',
  gkehub: 'https://gkehub.googleapis.com/v1',
  cloudresourcemanager: 'https://cloudresourcemanager.googleapis.com/v3',
  connectgateway: 'https://connectgateway.googleapis.com/v1'
}

export type GoogleEndpoints = typeof DEFAULTS

export function googleEndpoints(env: NodeJS.ProcessEnv): GoogleEndpoints {
  const endpoints = { ...DEFAULTS }
  for (const key of Object.keys(endpoints) as Array<keyof GoogleEndpoints>) {
    const override = env[`GHA_ENDPOINT_OVERRIDE_${key}`]
    if (override) endpoints[key] = override.replace(/\/+$/, '')
  }
  return endpoints
}
