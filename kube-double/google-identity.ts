// How GKE names the user behind a Google access token, which RBAC then matches: GKE asks Google who the bearer
// speaks for and with which scopes. A service account is named by its email only when the token carries the
// userinfo.email scope; without it the API server sees the account's numeric unique ID, so a RoleBinding to
// `kind: User, name: sa@project.iam.gserviceaccount.com` matches nothing and the first LIST answers
// `403 ... User "10934..." cannot list resource "secrets"`. client-go's gcp auth plugin asks for both scopes for
// that reason (plugin/pkg/client/auth/gcp/gcp.go, defaultScopes: "userinfo.email is used to authenticate to
// GKE APIs with gserviceaccount email instead of numeric uniqueID"). A federated token (Workload Identity
// Federation without impersonation) is named by its principal identifier.
// https://cloud.google.com/kubernetes-engine/docs/role-based-access-control (its troubleshooting section)

export const USERINFO_EMAIL_SCOPE = 'https://www.googleapis.com/auth/userinfo.email'

/** What Google tells GKE about a live access token. */
export type GoogleTokenIdentity =
  | { kind: 'serviceAccount'; email: string; uniqueId: string; scopes: readonly string[] }
  /** `principal://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/subject/<sub>` */
  | { kind: 'federated'; principal: string; scopes: readonly string[] }

/** The user name the API server gives the token's identity (in RBAC checks and in its 403 messages). */
export function gkeUserName(identity: GoogleTokenIdentity): string {
  if (identity.kind === 'federated') return identity.principal
  return identity.scopes.includes(USERINFO_EMAIL_SCOPE) ? identity.email : identity.uniqueId
}
