import { createHash } from 'node:crypto'
import type { V1Secret } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { labelValueProblem } from '../../src/sync/kube-validation.js'
import {
  Ownership,
  ownerAnnotationValue,
  ownerLabelValue,
  parseOwnerAnnotation,
  type Relation
} from '../../src/sync/ownership.js'

const sha12 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12)
const LONG_REPO = `acme/${'dagster-code-location-'.repeat(5)}x` // 5 + 111 characters

describe('ownerLabelValue', () => {
  it.each([
    // owner, label value
    ['dagster-infra', 'dagster-infra'],
    ['team_data.prod', 'team_data.prod'],
    ['a'.repeat(63), 'a'.repeat(63)],
    ['acme/dagster-infra', `acme.dagster-infra--${sha12('acme/dagster-infra')}`],
    ['acme/a.b', `acme.a.b--${sha12('acme/a.b')}`],
    ['acme.a/b', `acme.a.b--${sha12('acme.a/b')}`],
    ['a'.repeat(64), `${'a'.repeat(49)}--${sha12('a'.repeat(64))}`],
    [LONG_REPO, `${LONG_REPO.replace('/', '.').slice(0, 49).replace(/-+$/, '')}--${sha12(LONG_REPO)}`],
    ['équipe/données', `equipe.donnees--${sha12('équipe/données')}`],
    ['日本/レポ', `owner--${sha12('日本/レポ')}`],
    ['-leading/trailing-', `leading.trailing--${sha12('-leading/trailing-')}`],
    ['Acme/Dagster', `Acme.Dagster--${sha12('Acme/Dagster')}`],
    // A plain value that looks like a hashed one is hashed too, so no plain value equals a hashed one.
    [`acme.a.b--${sha12('acme/a.b')}`, expect.stringMatching(/^acme\.a\.b--[0-9a-f]{12}--[0-9a-f]{12}$/)]
  ])('%s -> %s, a valid label value', (owner, label) => {
    const value = ownerLabelValue(owner)
    expect(value).toEqual(label)
    expect(labelValueProblem(value)).toBeUndefined()
    expect(value.length).toBeLessThanOrEqual(63)
    expect(ownerLabelValue(owner)).toBe(value)
  })

  it.each([
    ['acme/a.b', 'acme.a/b'],
    ['acme/a.b', 'acme.a.b'],
    ['acme/dagster-dags', 'acme/Dagster-Dags'],
    [`${LONG_REPO}-1`, `${LONG_REPO}-2`],
    ['acme/données', 'acme/donnees'],
    [`acme.a.b--${sha12('acme/a.b')}`, 'acme/a.b']
  ])('gives %s and %s different label values', (a, b) => {
    expect(ownerLabelValue(a)).not.toBe(ownerLabelValue(b))
  })
})

// The owner label of every Secret this action has written. Changing the mapping changes the label a run looks for,
// so the next run would no longer find (nor prune) the Secrets it made before: these are pinned as literals.
describe('ownerLabelValue, pinned', () => {
  it.each([
    ['dagster-infra', 'dagster-infra'],
    ['acme/dagster-infra', 'acme.dagster-infra--2c7f286754b9'],
    ['acme/a.b', 'acme.a.b--2386eb59cb3e'],
    ['acme.a/b', 'acme.a.b--04f22bbe985a'],
    ['acme/dagster_infra', 'acme.dagster_infra--70b46525ae26'],
    ['Acme/Dagster', 'Acme.Dagster--69eb0ac67ee1'],
    ['a/b/c', 'a.b.c--d76a7b72669c'],
    ['my org/repo name', 'my-org.repo-name--546fefac184a'],
    ['équipe/données', 'equipe.donnees--916bcb4421bd'],
    ['ACME/ÅNGSTRÖM-ß', 'ACME.ANGSTROM--62b1b7981d58'],
    ['日本/レポ', 'owner--cc0a002a1be8'],
    ['-leading/trailing-', 'leading.trailing--385628343623'],
    ['--acme/x--', 'acme.x--7a48308fd1d4'],
    ['a'.repeat(63), 'a'.repeat(63)],
    ['a'.repeat(64), `${'a'.repeat(49)}--ffe054fe7ae0`],
    ['acme.x--0123456789ab', 'acme.x--0123456789ab--c08df86727d4'],
    ['acme/x--0123456789ab', 'acme.x--0123456789ab--9f45ed6524f2'],
    ['', 'owner--e3b0c44298fc']
  ])('%j -> %j', (owner, label) => {
    expect(ownerLabelValue(owner)).toBe(label)
  })
})

describe('Ownership', () => {
  const ours = new Ownership('dagster_secret', 'acme/dagster-infra')
  const owner = ownerLabelValue('acme/dagster-infra')

  it('holds the labels, the annotation and the selectors for one prefix (upper case) and owner', () => {
    expect(ours.labels).toEqual({
      'app.kubernetes.io/managed-by': 'gke-secrets-sync',
      'gke-secrets-sync/prefix': 'DAGSTER_SECRET',
      'gke-secrets-sync/owner': owner
    })
    expect(ours.annotations).toEqual({ 'gke-secrets-sync/owner': 'acme/dagster-infra' })
    expect(ours.selector).toBe(
      `app.kubernetes.io/managed-by=gke-secrets-sync,gke-secrets-sync/prefix=DAGSTER_SECRET,gke-secrets-sync/owner=${owner}`
    )
    expect(ours.unclaimedSelector).toBe(
      'app.kubernetes.io/managed-by=gke-secrets-sync,gke-secrets-sync/prefix=DAGSTER_SECRET,!gke-secrets-sync/owner'
    )
  })

  const secret = (labels: Record<string, string>, annotations?: Record<string, string>): V1Secret => ({
    metadata: {
      name: 's',
      labels,
      ...(annotations && { annotations }),
      managedFields: [{ manager: 'kubectl' }]
    }
  })
  const managed = {
    'app.kubernetes.io/managed-by': 'gke-secrets-sync',
    'gke-secrets-sync/prefix': 'DAGSTER_SECRET'
  }
  const dags = new Ownership('DAGSTER_SECRET', 'acme/dagster-dags')

  it.each<[string, V1Secret, Relation, string]>([
    ['ours', secret(ours.labels, ours.annotations), 'ours', ''],
    ['ours, annotation removed by someone', secret(ours.labels), 'ours', ''],
    [
      'ownerless (an earlier version)',
      secret(managed),
      'unclaimed',
      'was made by gke-secrets-sync for the prefix DAGSTER_SECRET'
    ],
    [
      'another owner',
      secret(dags.labels, dags.annotations),
      'other-owner',
      'was made by gke-secrets-sync for acme/dagster-dags'
    ],
    [
      'another owner without its annotation',
      secret(dags.labels),
      'other-owner',
      `was made by gke-secrets-sync for ${ownerLabelValue('acme/dagster-dags')}`
    ],
    [
      'our label with another owner in the annotation',
      secret(ours.labels, { 'gke-secrets-sync/owner': 'acme/other' }),
      'other-owner',
      'was made by gke-secrets-sync for acme/other'
    ],
    [
      'another prefix',
      secret({ ...ours.labels, 'gke-secrets-sync/prefix': 'OTHER' }, ours.annotations),
      'other-prefix',
      'was made by gke-secrets-sync for acme/dagster-infra with the prefix OTHER'
    ],
    ['managed by Helm', secret({ 'app.kubernetes.io/managed-by': 'Helm' }), 'foreign', 'is managed by Helm'],
    ['unlabelled', secret({}), 'foreign', 'was not made by this action (written by kubectl)'],
    ['without metadata', {}, 'foreign', 'was not made by this action'],
    [
      'without managedFields',
      { metadata: { name: 's', labels: { team: 'data' } } },
      'foreign',
      'was not made by this action'
    ],
    [
      'written by several, one entry nameless',
      {
        metadata: {
          name: 's',
          managedFields: [
            { manager: 'kubectl-edit' },
            {},
            { manager: 'terraform' },
            { manager: 'kubectl-edit' }
          ]
        }
      },
      'foreign',
      'was not made by this action (written by kubectl-edit, terraform)'
    ],
    [
      'ours but without the prefix label',
      secret({ 'app.kubernetes.io/managed-by': 'gke-secrets-sync' }, { 'gke-secrets-sync/owner': 'acme/x' }),
      'other-prefix',
      'was made by gke-secrets-sync for acme/x with the prefix (none)'
    ],
    ['labels but no annotations key at all', { metadata: { name: 's', labels: ours.labels } }, 'ours', '']
  ])('%s: %s', (_, live, relation, description) => {
    expect(ours.relationTo(live)).toBe(relation)
    expect(ours.isOurs(live)).toBe(relation === 'ours')
    if (description) expect(ours.describe(live)).toBe(description)
  })
})

describe('the owner annotation and the repository id', () => {
  it.each<[string, string | undefined, string]>([
    ['acme/dagster-infra', '123456', 'acme/dagster-infra (id 123456)'],
    ['acme/dagster-infra', undefined, 'acme/dagster-infra'],
    ['team data (id x)', '7', 'team data (id x) (id 7)']
  ])('%s with id %s is written %j and read back', (name, id, text) => {
    const identity = { name, ...(id !== undefined && { id }) }
    expect(ownerAnnotationValue(identity)).toBe(text)
    expect(parseOwnerAnnotation(text)).toEqual(identity)
  })

  it('keeps the label of the name alone, so Secrets written before ids were recorded are still listed', () => {
    const withId = new Ownership('DAGSTER_SECRET', 'acme/dagster-infra', '1')
    expect(withId.labels).toEqual(new Ownership('DAGSTER_SECRET', 'acme/dagster-infra').labels)
    expect(withId.annotations).toEqual({ 'gke-secrets-sync/owner': 'acme/dagster-infra (id 1)' })
  })

  const infra = new Ownership('DAGSTER_SECRET', 'acme/dagster-infra', '1')
  const managed = {
    'app.kubernetes.io/managed-by': 'gke-secrets-sync',
    'gke-secrets-sync/prefix': 'DAGSTER_SECRET'
  }
  const secret = (labels: Record<string, string>, annotation?: string): V1Secret => ({
    metadata: {
      name: 's',
      labels,
      ...(annotation !== undefined && { annotations: { 'gke-secrets-sync/owner': annotation } })
    }
  })
  const infraLabels = infra.labels

  it.each<[string, Ownership, V1Secret, Relation, string]>([
    ['ours, same id', infra, secret(infraLabels, 'acme/dagster-infra (id 1)'), 'ours', ''],
    ['ours, written before ids', infra, secret(infraLabels, 'acme/dagster-infra'), 'ours', ''],
    [
      'a run that knows no id, on a Secret with one (a run outside Actions with only `owner`)',
      new Ownership('DAGSTER_SECRET', 'acme/dagster-infra'),
      secret(infraLabels, 'acme/dagster-infra (id 1)'),
      'ours',
      ''
    ],
    [
      'the same name with another id: the name was registered again',
      infra,
      secret(infraLabels, 'acme/dagster-infra (id 999)'),
      'other-owner',
      "was made by gke-secrets-sync for acme/dagster-infra (id 999), a repository of the same name but another id than this one's (1): the first was deleted or renamed, and another took its name"
    ],
    [
      'no owner label, the annotation naming another owner: that owner keeps it',
      infra,
      secret(managed, 'acme/dagster-dags (id 2)'),
      'other-owner',
      'was made by gke-secrets-sync for acme/dagster-dags (id 2)'
    ],
    [
      'no owner label, the annotation naming this name with another id',
      infra,
      secret(managed, 'acme/dagster-infra (id 999)'),
      'other-owner',
      'was made by gke-secrets-sync for acme/dagster-infra (id 999), a repository of the same name'
    ],
    [
      'no owner label, the annotation naming this owner: claimed as ownerless',
      infra,
      secret(managed, 'acme/dagster-infra (id 1)'),
      'unclaimed',
      ''
    ],
    ['no owner label, no annotation', infra, secret(managed), 'unclaimed', '']
  ])('%s', (_, ownership, live, relation, description) => {
    expect(ownership.relationTo(live)).toBe(relation)
    if (description) expect(ownership.describe(live)).toContain(description)
  })
})
