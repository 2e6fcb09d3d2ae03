// What the Google API doubles are told about the world (options), and the access tokens they hand out.
import { createHash } from 'node:crypto'
import { GITHUB_OIDC_ISSUER, type GitHubIdTokenClaims } from './github-oidc-server.js'

export interface GoogleCluster {
  project: string
  location: string
  name: string
  /** The public endpoint as GKE reports it: an IP or `host:port`, no scheme, e.g. '127.0.0.1:6443'. */
  endpoint: string
  /** PEM of the cluster CA; the double reports it base64-encoded, as GKE does. */
  caPem: string
  privateEndpoint?: string
  /** The DNS-based control plane endpoint (a name with a publicly trusted certificate in real GKE). */
  dnsEndpoint?: string
  /** Whether the caller holding this access token has `container.clusters.get`. Default: yes. */
  allowed?: (accessToken: string) => boolean
}

export interface GoogleFleetMembership {
  /** The project that holds the membership: the cluster's, or a fleet host project. */
  project: string
  /**
   * Where the membership lives. Default `global` (`gcloud container fleet memberships register`); a cluster
   * registered at creation (`--fleet-project`, Terraform's `fleet` block) or an Autopilot cluster has its
   * membership in the cluster's region.
   */
  location?: string
  /** The membership ID (last segment of its name). */
  name: string
  /** `//container.googleapis.com/projects/<p>/locations/<l>/clusters/<c>` */
  clusterResourceLink: string
}

export interface GoogleServiceAccount {
  /** Who may impersonate the account (holds roles/iam.workloadIdentityUser): gets the token's `sub`. Default: all. */
  allowedPrincipals?: (subject: string) => boolean
  /**
   * The account's numeric unique ID (21 digits, `gcloud iam service-accounts describe` shows it as uniqueId),
   * by which GKE names the account when its token lacks the userinfo.email scope. Default: one derived from
   * the email.
   */
  uniqueId?: string
}

export interface GoogleApisOptions {
  projectId?: string
  projectNumber?: string
  /** Workload identity pool ID. */
  pool?: string
  /** Workload identity pool provider ID. */
  provider?: string
  /** The provider's OIDC issuer; tokens from any other issuer are refused. Default: GitHub Actions. */
  issuer?: string
  /**
   * The provider's allowed audiences. Default (empty in Google's console): the provider's resource name, with
   * or without the `https:` prefix. https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#github-actions
   */
  allowedAudiences?: string[]
  /** The provider's attribute condition (a CEL expression in Google); false rejects the exchange. */
  attributeCondition?: (claims: GitHubIdTokenClaims) => boolean
  /** Service accounts that exist, by email. Default: secrets-sync@<projectId>.iam.gserviceaccount.com, open to all. */
  serviceAccounts?: Record<string, GoogleServiceAccount>
  clusters?: GoogleCluster[]
  memberships?: GoogleFleetMembership[]
  /** Projects Resource Manager knows besides `projectId`, by ID: their numbers. */
  otherProjects?: Record<string, string>
  /** A new access token for every exchange (see AccessTokens), instead of one fixed token per identity. */
  rotateTokens?: boolean
}

export type GoogleApisConfig = Required<Omit<GoogleApisOptions, 'attributeCondition' | 'serviceAccounts'>> & {
  attributeCondition: (claims: GitHubIdTokenClaims) => boolean
  serviceAccounts: Record<string, GoogleServiceAccount & { uniqueId: string }>
}

export function resolveGoogleApisOptions(options: GoogleApisOptions): GoogleApisConfig {
  const projectId = options.projectId ?? 'my-project'
  const projectNumber = options.projectNumber ?? '123456789012'
  const pool = options.pool ?? 'github'
  const provider = options.provider ?? 'github'
  const providerName = `projects/${projectNumber}/locations/global/workloadIdentityPools/${pool}/providers/${provider}`
  return {
    projectId,
    projectNumber,
    pool,
    provider,
    issuer: options.issuer ?? GITHUB_OIDC_ISSUER,
    allowedAudiences: options.allowedAudiences ?? [
      `https://iam.googleapis.com/${providerName}`,
      `//iam.googleapis.com/${providerName}`
    ],
    attributeCondition: options.attributeCondition ?? (() => true),
    serviceAccounts: Object.fromEntries(
      Object.entries(
        options.serviceAccounts ?? { [`secrets-sync@${projectId}.iam.gserviceaccount.com`]: {} }
      ).map(([email, account]) => [email, { ...account, uniqueId: account.uniqueId ?? uniqueIdOf(email) }])
    ),
    clusters: options.clusters ?? [],
    memberships: options.memberships ?? [],
    otherProjects: options.otherProjects ?? {},
    rotateTokens: options.rotateTokens ?? false
  }
}

/** A stable 21-digit unique ID for an account the test did not give one (real ones start with 1 too). */
export function uniqueIdOf(email: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(email).digest('hex')}`) % 10n ** 20n
  return `1${digits.toString().padStart(20, '0')}`
}
