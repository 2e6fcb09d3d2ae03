// judgeRollout against the cases of kubectl's own table (pkg/polymorphichelpers/rollout_status_test.go), per kind.
import type { V1DaemonSet, V1Deployment, V1Pod, V1StatefulSet } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import {
  failingContainers,
  judgeRollout,
  selectorString,
  waitingContainers
} from '../../src/sync/rollout-status.js'

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

describe('judgeRollout: the words and the edges, per kind', () => {
  const progressing = (reason: string, message?: string): object => ({
    type: 'Progressing',
    status: 'False',
    reason,
    ...(message && { message })
  })
  it.each<[string, V1Deployment, string, string]>([
    [
      'old replicas pending termination, counted',
      deployment(2, 1, { observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 1 }),
      'waiting',
      '2 old replicas are pending termination'
    ],
    [
      'the deadline is read from the Progressing condition, not the first one',
      deployment(2, 1, {
        observedGeneration: 2,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          progressing('ProgressDeadlineExceeded')
        ]
      } as V1Deployment['status']),
      'failed',
      'deployment "web" exceeded its progress deadline (ProgressDeadlineExceeded)'
    ],
    [
      'another condition with the same reason is not the deadline',
      deployment(2, 1, {
        observedGeneration: 2,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: [{ type: 'Other', status: 'False', reason: 'ProgressDeadlineExceeded' }]
      }),
      'complete',
      'deployment "web" successfully rolled out'
    ],
    [
      'a Progressing condition that still progresses',
      deployment(2, 1, {
        observedGeneration: 2,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: [progressing('NewReplicaSetAvailable')] as never
      }),
      'complete',
      'deployment "web" successfully rolled out'
    ],
    [
      'no spec.replicas: only the status counts',
      {
        metadata: { name: 'web', generation: 2 },
        status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }
      } as V1Deployment,
      'complete',
      'deployment "web" successfully rolled out'
    ],
    [
      'no metadata and no status: generation 0 is observed, nothing is wanted',
      {} as V1Deployment,
      'complete',
      'deployment "" successfully rolled out'
    ],
    [
      'not observed, in kubectl’s words',
      deployment(2, 1, { observedGeneration: 1 }),
      'waiting',
      'waiting for the deployment spec update to be observed'
    ]
  ])('Deployment, %s', (_, object, state, message) => {
    expect(judgeRollout('Deployment', object)).toEqual({ state, message })
  })

  const sts = (
    spec: Partial<NonNullable<V1StatefulSet['spec']>> | undefined,
    status: V1StatefulSet['status'],
    generation: number | null | 'no metadata' = 2
  ): V1StatefulSet =>
    ({
      ...(generation !== 'no metadata' && {
        metadata: { name: 'db', ...(generation !== null && { generation }) }
      }),
      ...(spec && { spec: { serviceName: 'db', selector: {}, template: {}, ...spec } }),
      status
    }) as V1StatefulSet
  const done = {
    replicas: 3,
    observedGeneration: 2,
    readyReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    currentRevision: 'db-2',
    updateRevision: 'db-2'
  }
  it.each<[string, V1StatefulSet, string, string]>([
    ['complete', sts({ replicas: 3 }, done), 'complete', 'rolling update complete 3 pods at revision db-2'],
    [
      'revisions differ',
      sts(
        { replicas: 3, updateStrategy: { type: 'RollingUpdate' } },
        { ...done, updatedReplicas: 2, currentRevision: 'db-1' }
      ),
      'waiting',
      'waiting for the rolling update to complete 2 pods at revision db-2'
    ],
    [
      'revisions differ, no counts in the status',
      sts({ replicas: 0 }, { replicas: 0, observedGeneration: 2, currentRevision: 'db-1' }),
      'waiting',
      'waiting for the rolling update to complete 0 pods at revision '
    ],
    [
      'one revision, no counts in the status',
      sts({ replicas: 0 }, { replicas: 0, observedGeneration: 2 }),
      'complete',
      'rolling update complete 0 pods at revision '
    ],
    [
      'pods not ready, counted',
      sts({ replicas: 3 }, { ...done, readyReplicas: 1 }),
      'waiting',
      'waiting for 2 pods to be ready'
    ],
    [
      'no spec.replicas: readiness is not counted',
      sts({}, { ...done, readyReplicas: 0 }),
      'complete',
      'rolling update complete 3 pods at revision db-2'
    ],
    [
      'no spec at all',
      sts(undefined, { ...done, readyReplicas: 0 }),
      'complete',
      'rolling update complete 3 pods at revision db-2'
    ],
    [
      'observedGeneration 0 is never observed',
      sts({ replicas: 3 }, { ...done, observedGeneration: 0 }, null),
      'waiting',
      'waiting for the statefulset spec update to be observed'
    ],
    [
      'an older generation observed',
      sts({ replicas: 3 }, { ...done, observedGeneration: 1 }),
      'waiting',
      'waiting for the statefulset spec update to be observed'
    ],
    [
      'no metadata.generation, observed once',
      sts({ replicas: 3 }, done, null),
      'complete',
      'rolling update complete 3 pods at revision db-2'
    ],
    [
      'no metadata at all, observed once',
      sts({ replicas: 3 }, done, 'no metadata'),
      'complete',
      'rolling update complete 3 pods at revision db-2'
    ],
    [
      'no status',
      sts({ replicas: 3 }, undefined),
      'waiting',
      'waiting for the statefulset spec update to be observed'
    ],
    [
      'partitioned, short of the partition',
      sts(
        { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
        { ...done, updatedReplicas: 1 }
      ),
      'waiting',
      'partitioned roll out: 1 out of 2 new pods have been updated'
    ],
    [
      'partitioned, at the partition',
      sts(
        { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
        { ...done, updatedReplicas: 2, currentRevision: 'db-1' }
      ),
      'complete',
      'partitioned roll out complete: 2 new pods have been updated'
    ],
    [
      'a rollingUpdate without a partition (a server defaults it to 0; kubectl calls it complete)',
      sts(
        { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } },
        { ...done, updatedReplicas: 1 }
      ),
      'complete',
      'partitioned roll out complete: 1 new pods have been updated'
    ],
    [
      'a rollingUpdate with no counts in the status',
      sts(
        { replicas: 0, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } },
        { replicas: 0, observedGeneration: 2 }
      ),
      'complete',
      'partitioned roll out complete: 0 new pods have been updated'
    ],
    [
      'OnDelete',
      sts({ replicas: 3, updateStrategy: { type: 'OnDelete' } }, done),
      'untracked',
      'its update strategy is OnDelete: its pods are replaced only when they are deleted'
    ],
    [
      'a strategy without a type is RollingUpdate',
      sts({ replicas: 3, updateStrategy: {} }, done),
      'complete',
      'rolling update complete 3 pods at revision db-2'
    ]
  ])('StatefulSet, %s', (_, object, state, message) => {
    expect(judgeRollout('StatefulSet', object)).toEqual({ state, message })
  })

  const ds = (
    spec: Partial<NonNullable<V1DaemonSet['spec']>> | undefined,
    status: Partial<NonNullable<V1DaemonSet['status']>> | undefined,
    metadata: object | null = { name: 'shipper', generation: 2 }
  ): V1DaemonSet =>
    ({
      ...(metadata !== null && { metadata }),
      ...(spec && { spec: { selector: {}, template: {}, ...spec } }),
      ...(status && {
        status: { currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, ...status }
      })
    }) as V1DaemonSet
  const rolled = {
    observedGeneration: 2,
    desiredNumberScheduled: 2,
    updatedNumberScheduled: 2,
    numberAvailable: 2
  }
  it.each<[string, V1DaemonSet, string, string]>([
    ['complete', ds({}, rolled), 'complete', 'daemon set "shipper" successfully rolled out'],
    [
      'no spec: RollingUpdate',
      ds(undefined, rolled),
      'complete',
      'daemon set "shipper" successfully rolled out'
    ],
    ['no metadata: generation 0', ds({}, rolled, {}), 'complete', 'daemon set "" successfully rolled out'],
    ['no metadata at all', ds({}, rolled, null), 'complete', 'daemon set "" successfully rolled out'],
    ['no status', ds({}, undefined), 'waiting', 'waiting for the daemon set spec update to be observed'],
    [
      'an older generation observed',
      ds({}, { ...rolled, observedGeneration: 1 }),
      'waiting',
      'waiting for the daemon set spec update to be observed'
    ],
    [
      'no observedGeneration',
      ds({}, { ...rolled, observedGeneration: undefined }),
      'waiting',
      'waiting for the daemon set spec update to be observed'
    ],
    [
      'not all updated, all available',
      ds({}, { ...rolled, updatedNumberScheduled: 1 }),
      'waiting',
      '1 out of 2 new pods have been updated'
    ],
    [
      'none updated yet',
      ds({}, { ...rolled, updatedNumberScheduled: undefined }),
      'waiting',
      '0 out of 2 new pods have been updated'
    ],
    [
      'updated, not available',
      ds({}, { ...rolled, numberAvailable: 1 }),
      'waiting',
      '1 of 2 updated pods are available'
    ],
    [
      'updated, none available',
      ds({}, { ...rolled, numberAvailable: undefined }),
      'waiting',
      '0 of 2 updated pods are available'
    ],
    [
      'OnDelete',
      ds({ updateStrategy: { type: 'OnDelete' } }, rolled),
      'untracked',
      'its update strategy is OnDelete: its pods are replaced only when they are deleted'
    ]
  ])('DaemonSet, %s', (_, object, state, message) => {
    expect(judgeRollout('DaemonSet', object)).toEqual({ state, message })
  })
})

describe('failingContainers', () => {
  it('keeps the reasons that never resolve by themselves', () => {
    const waiting = [
      'CreateContainerConfigError',
      'ContainerCreating',
      'CrashLoopBackOff',
      'ImagePullBackOff',
      'PodInitializing'
    ].map(reason => ({ pod: 'p', container: 'c', reason }))
    expect(failingContainers(waiting).map(c => c.reason)).toEqual([
      'CreateContainerConfigError',
      'CrashLoopBackOff'
    ])
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

describe('waitingContainers: pods as a server may return them', () => {
  it('reads pods without metadata, a name, status, init statuses or a state, and a waiting state without a reason', () => {
    const pods = [
      {},
      { metadata: { name: 'no-status', annotations: { 'kubectl.kubernetes.io/restartedAt': 'T' } } },
      {
        metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'T' } },
        status: { containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ErrImagePull' } } }] }
      },
      {
        metadata: { name: 'new', annotations: { 'kubectl.kubernetes.io/restartedAt': 'T' } },
        status: {
          containerStatuses: [
            { name: 'starting' },
            { name: 'no-reason', state: { waiting: {} } },
            { name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }
          ]
        }
      }
    ] as V1Pod[]
    expect(waitingContainers(pods, 'T')).toEqual([
      { pod: '', container: 'app', reason: 'ErrImagePull' },
      { pod: 'new', container: 'app', reason: 'CrashLoopBackOff' }
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
    [undefined, ''],
    [{ matchExpressions: [{ key: 'env', operator: 'In' }] }, 'env in ()']
  ])('%j -> %s', (selector, text) => {
    expect(selectorString(selector)).toBe(text)
  })
})
