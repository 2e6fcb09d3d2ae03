// Cloud Resource Manager v3 double: `GET {cloudresourcemanager}/projects/<id or number>`, which a client uses to
// turn a project ID into the number the Connect gateway URL needs.
// https://cloud.google.com/resource-manager/reference/rest/v3/projects/get
import type { IncomingMessage, ServerResponse } from 'node:http'
import { authenticate, type AccessTokens } from './google-access-tokens.js'
import type { GoogleApisConfig } from './google-apis-config.js'
import { iamPermissionDeniedDetail, sendGoogleError, sendJson } from './google-http.js'

export const PROJECT_PATH = /^\/projects\/([^/]+)$/

export function getProject(
  req: IncomingMessage,
  res: ServerResponse,
  idOrNumber: string,
  config: GoogleApisConfig,
  tokens: AccessTokens
): void {
  if (!authenticate(req, res, tokens)) return
  const projects = { ...config.otherProjects, [config.projectId]: config.projectNumber }
  const found = Object.entries(projects).find(([id, number]) => idOrNumber === id || idOrNumber === number)
  if (!found) {
    // Resource Manager does not tell "missing" from "not yours": both are this 403.
    return sendGoogleError(
      res,
      403,
      'PERMISSION_DENIED',
      `Permission 'resourcemanager.projects.get' denied on resource '//cloudresourcemanager.googleapis.com/projects/${idOrNumber}' (or it may not exist).`,
      [iamPermissionDeniedDetail('cloudresourcemanager.googleapis.com', 'resourcemanager.projects.get')]
    )
  }
  const [projectId, projectNumber] = found
  sendJson(res, 200, {
    name: `projects/${projectNumber}`,
    parent: 'organizations/100000000001',
    projectId,
    state: 'ACTIVE',
    displayName: projectId,
    createTime: '2024-01-15T09:30:00.000Z',
    updateTime: '2024-01-15T09:30:00.000Z',
    etag: 'W/"c2VjcmV0cy1zeW5j"'
  })
}
