// What a client-node call that the Kubernetes double refused carries: the HTTP code and the Status body it sent.
import { ApiException } from '@kubernetes/client-node'

export interface StatusJson {
  kind: string
  apiVersion: string
  status: string
  message: string
  reason: string
  code: number
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; field: string }[] }
}

/** The ApiException a call fails with, its body parsed as the Status the server sent. */
export async function failure(call: Promise<unknown>): Promise<{ code: number; status: StatusJson }> {
  try {
    await call
  } catch (error) {
    if (!(error instanceof ApiException)) throw error
    return { code: error.code, status: JSON.parse(error.body as string) as StatusJson }
  }
  throw new Error('expected the call to fail')
}
