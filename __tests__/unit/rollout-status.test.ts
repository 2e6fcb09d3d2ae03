// judgeRollout against the cases of kubectl's own table (pkg/polymorphichelpers/rollout_status_test.go), per kind.
import type { V1DaemonSet, V1Deployment, V1Pod, V1StatefulSet } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { judgeRollout, selectorString, waitingContainers } from '../../src/sync/rollout-status.js'

const deployment = (generation: number, replicas: number, status: V1Deployment['status']): V1Deployment => ({
  metadata: { name: 'web', generation },
  spec: { replicas, selector: {}, template: {} },
  status
})

describe('judgeRollout: Deployment', () => {
  it.each<[string, V1Deployment, string, string]>([
    [
      'not observed yet',
      deployment(2, 1, { observedGeneration: 1 }),
      'waiting',
      'spec update to be observed'
    ],
    [
      'new replicas not updated',
      deployment(2, 2, { observedGeneration: 2, replicas: 2, updatedReplicas: 1 }),
      'waiting',
      '1 out of 2 new replicas have been updated'
    ],
    [
      'old replicas pending termination',
      deployment(2, 1, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }),
      'waiting',
      '1 old replicas are pending termination'
    ],
    [
      'updated replicas not available',
      deployment(2, 1, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      'waiting',
      '0 of 1 updated replicas are available'
    ],
    [
      'complete',
      deployment(2, 1, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
      'complete',
      'deployment "web" successfully rolled out'
    ],
    [
      'past its progress deadline',
      deployment(2, 1, {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-7c9" has timed out progressing.'
          }
        ]
      }),
      'failed',
      'deployment "web" exceeded its progress deadline (ProgressDeadlineExceeded: ReplicaSet "web-7c9" has timed out progressing.)'
    ],
    [
      'a stale deadline before the new generation is observed',
      deployment(3, 1, {
        observedGeneration: 2,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }]
      }),
      'waiting',
      'observed'
    ]
  ])('%s: %s', (_, object, state, words) => {
    const judgement = judgeRollout('Deployment', object)
    expect(judgement.state).toBe(state)
    expect(judgement.message).toContain(words)
  })
})

describe('judgeRollout: StatefulSet', () => {
  const sts = (
    status: V1StatefulSet['status'],
    updateStrategy: object = { type: 'RollingUpdate' }
  ): V1StatefulSet => ({
    metadata: { name: 'db', generation: 2 },
    spec: { replicas: 3, serviceName: 'db', selector: {}, template: {}, updateStrategy },
    status
  })
  it.each<[string, V1StatefulSet, string]>([
    ['not observed', sts({ replicas: 3, observedGeneration: 1 }), 'waiting'],
    ['pods not ready', sts({ replicas: 3, observedGeneration: 2, readyReplicas: 2 }), 'waiting'],
    [
      'ready, revisions differ',
      sts({
        replicas: 3,
        observedGeneration: 2,
        readyReplicas: 3,
        currentRevision: 'a',
        updateRevision: 'b'
      }),
      'waiting'
    ],
    [
      'ready, one revision',
      sts({
        replicas: 3,
        observedGeneration: 2,
        readyReplicas: 3,
        currentRevision: 'b',
        updateRevision: 'b'
      }),
      'complete'
    ],
    [
      'partition 0 (the default): updated pods short',
      sts(
        { replicas: 3, observedGeneration: 2, readyReplicas: 3, updatedReplicas: 2 },
        { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }
      ),
      'waiting'
    ],
    [
      'partition 1: the partition reached',
      sts(
        { replicas: 3, observedGeneration: 2, readyReplicas: 3, updatedReplicas: 2 },
        { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }
      ),
      'complete'
    ],
    ['OnDelete', sts({ replicas: 3, observedGeneration: 2 }, { type: 'OnDelete' }), 'untracked']
  ])('%s: %s', (_, object, state) => {
    expect(judgeRollout('StatefulSet', object).state).toBe(state)
  })
})

describe('judgeRollout: DaemonSet', () => {
  const ds = (status: V1DaemonSet['status'], type = 'RollingUpdate'): V1DaemonSet => ({
    metadata: { name: 'shipper', generation: 2 },
    spec: { selector: {}, template: {}, updateStrategy: { type } },
    status
  })
  const base = { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 0 }
  it.each<[string, V1DaemonSet, string]>([
    ['not observed', ds({ ...base, observedGeneration: 1 }), 'waiting'],
    ['not all updated', ds({ ...base, observedGeneration: 2, updatedNumberScheduled: 1 }), 'waiting'],
    [
      'updated, not available',
      ds({ ...base, observedGeneration: 2, updatedNumberScheduled: 2, numberAvailable: 1 }),
      'waiting'
    ],
    [
      'complete',
      ds({ ...base, observedGeneration: 2, updatedNumberScheduled: 2, numberAvailable: 2 }),
      'complete'
    ],
    ['OnDelete', ds({ ...base, observedGeneration: 2 }, 'OnDelete'), 'untracked']
  ])('%s: %s', (_, object, state) => {
    expect(judgeRollout('DaemonSet', object).state).toBe(state)
  })
})

describe('waitingContainers', () => {
  const pod = (
    name: string,
    restartedAt: string | undefined,
    statuses: object[],
    init: object[] = []
  ): V1Pod =>
    ({
      metadata: {
        name,
        ...(restartedAt && { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } })
      },
      status: { containerStatuses: statuses, initContainerStatuses: init }
    }) as V1Pod
  const waitingIn = (name: string, reason: string, message?: string): object => ({
    name,
    state: { waiting: { reason, ...(message && { message }) } }
  })

  it("lists the waiting containers of this restart's pods only, init containers first", () => {
    const pods = [
      pod(
        'web-new-1',
        'T2',
        [waitingIn('app', 'CreateContainerConfigError', 'secret "x" not found')],
        [waitingIn('migrate', 'CrashLoopBackOff')]
      ),
      pod('web-new-2', 'T2', [{ name: 'app', state: { running: {} } }]),
      pod('web-old', 'T1', [waitingIn('app', 'CrashLoopBackOff')]),
      pod('web-older', undefined, [waitingIn('app', 'CrashLoopBackOff')])
    ]
    expect(waitingContainers(pods, 'T2')).toEqual([
      { pod: 'web-new-1', container: 'migrate', reason: 'CrashLoopBackOff' },
      {
        pod: 'web-new-1',
        container: 'app',
        reason: 'CreateContainerConfigError',
        message: 'secret "x" not found'
      }
    ])
  })
})

describe('selectorString', () => {
  it.each<[Parameters<typeof selectorString>[0], string]>([
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [
      {
        matchLabels: { app: 'web', tier: 'be' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'NotIn', values: ['c'] },
          { key: 'y', operator: 'Exists' },
          { key: 'z', operator: 'DoesNotExist' }
        ]
      },
      'app=web,tier=be,env in (a,b),x notin (c),y,!z'
    ],
    [undefined, '']
  ])('%j -> %s', (selector, text) => {
    expect(selectorString(selector)).toBe(text)
  })
})
