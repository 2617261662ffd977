/**
 * JSON Schema (draft-07) of the plan file, version 1. It is the contract for other tools reading our
 * plans, and `parsePlan` validates every file against it before any semantic check. Objects are closed
 * (additionalProperties: false) so a misspelt field is reported instead of silently ignored; a later
 * format adds fields under a new version number.
 */
import type { ViolationCode } from '../assess.ts';

export const PLAN_FORMAT = 'neuroplan-plan';
export const PLAN_VERSION = 1;
export const PLAN_SCHEMA_ID = 'urn:neuroplan:schema:plan:1';

/** Every violation code a plan may hold (checked at compile time against assess.ts's ViolationCode). */
export const VIOLATION_CODES = [
  'vessel-clearance',
  'ventricle',
  'entry-angle',
  'length',
  'midline',
  'entry-region',
  'electrode-fit',
  'inter-electrode',
] as const satisfies readonly ViolationCode[];
const allCodesListed: [Exclude<ViolationCode, (typeof VIOLATION_CODES)[number]>] extends [never]
  ? true
  : false = true;
void allCodesListed;

const num = { type: 'number' } as const;
const nonNeg = { type: 'number', minimum: 0 } as const;
const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const text = { type: 'string', minLength: 1 } as const;
const count = { type: 'integer', minimum: 1, maximum: 1024 } as const;
const vec3 = { type: 'array', items: num, minItems: 3, maxItems: 3 } as const;
const closed = <P extends Record<string, unknown>>(properties: P, required: (keyof P & string)[]) =>
  ({ type: 'object', additionalProperties: false, required, properties }) as const;

const closestApproach = closed({ clearanceMm: num, depthMm: num }, ['clearanceMm', 'depthMm']);

const linearElectrode = closed(
  {
    id: text,
    name: text,
    manufacturer: { type: 'string' },
    reference: { type: 'string' },
    kind: { enum: ['seeg', 'dbs', 'thread'] },
    diameterMm: positive,
    contactCount: count,
    contactLengthMm: positive,
    contactGapMm: nonNeg,
    tipToFirstContactMm: nonNeg,
    maxInsertionMm: positive,
    insertionDepthRangeMm: { type: 'array', items: positive, minItems: 2, maxItems: 2 },
  },
  [
    'id',
    'name',
    'kind',
    'diameterMm',
    'contactCount',
    'contactLengthMm',
    'contactGapMm',
    'tipToFirstContactMm',
    'maxInsertionMm',
  ],
);

const arrayElectrode = closed(
  {
    id: text,
    name: text,
    manufacturer: { type: 'string' },
    reference: { type: 'string' },
    kind: { const: 'array' },
    rows: count,
    columns: count,
    pitchMm: positive,
    shankLengthMm: positive,
    shankDiameterMm: positive,
    baseThicknessMm: nonNeg,
  },
  ['id', 'name', 'kind', 'rows', 'columns', 'pitchMm', 'shankLengthMm', 'shankDiameterMm', 'baseThicknessMm'],
);

const riskSettings = closed({ weight: nonNeg, falloffMm: positive }, ['weight', 'falloffMm']);

const constraints = closed(
  {
    minVesselClearanceMm: nonNeg,
    minVentricleClearanceMm: nonNeg,
    avoidVentricles: { type: 'boolean' },
    maxEntryAngleDeg: { type: 'number', exclusiveMinimum: 0, maximum: 90 },
    maxLengthMm: positive,
    forbidMidlineCrossing: { type: 'boolean' },
    midlineToleranceMm: nonNeg,
    entryRegion: closed(
      {
        minElevationDeg: num,
        faceMaxElevationDeg: num,
        faceHalfWidthDeg: num,
        excludedSpheres: {
          type: 'array',
          items: closed({ centerLps: vec3, radiusMm: nonNeg, reason: { type: 'string' } }, [
            'centerLps',
            'radiusMm',
            'reason',
          ]),
        },
      },
      ['minElevationDeg', 'faceMaxElevationDeg', 'faceHalfWidthDeg', 'excludedSpheres'],
    ),
    targetingErrorMm: nonNeg,
    minInterElectrodeDistanceMm: nonNeg,
    sampleStepMm: { type: 'number', exclusiveMinimum: 0, maximum: 0.25 },
    risk: closed({ vessel: riskSettings, ventricle: riskSettings, sulcus: riskSettings }, [
      'vessel',
      'ventricle',
      'sulcus',
    ]),
  },
  [
    'minVesselClearanceMm',
    'minVentricleClearanceMm',
    'avoidVentricles',
    'maxEntryAngleDeg',
    'maxLengthMm',
    'forbidMidlineCrossing',
    'midlineToleranceMm',
    'entryRegion',
    'targetingErrorMm',
    'minInterElectrodeDistanceMm',
    'sampleStepMm',
    'risk',
  ],
);

const evaluation = closed(
  {
    score: { type: 'number', minimum: 0, maximum: 1 },
    vessel: closestApproach,
    ventricle: closestApproach,
    sulcus: closestApproach,
    riskiestDepthMm: num,
    riskiestRisk: { type: 'number', minimum: 0, maximum: 1 },
    entryAngleDeg: { type: 'number', minimum: 0, maximum: 180 },
    violations: {
      type: 'array',
      items: closed({ code: { enum: [...VIOLATION_CODES] }, message: text, depthMm: num }, [
        'code',
        'message',
      ]),
    },
    notes: { type: 'array', items: { type: 'string' } },
  },
  ['score', 'vessel', 'ventricle', 'sulcus', 'violations'],
);

const contact = closed(
  { index: { type: 'integer', minimum: 1 }, centerLps: vec3, depthFromEntryMm: num, distanceFromTipMm: num },
  ['index', 'centerLps', 'depthFromEntryMm', 'distanceFromTipMm'],
);

const trajectory = closed(
  {
    id: text,
    electrodeId: text,
    entryLps: vec3,
    targetLps: vec3,
    label: { type: 'string' },
    lengthMm: positive,
    directionLps: vec3,
    contacts: { type: 'array', items: contact },
    evaluation,
  },
  ['id', 'electrodeId', 'entryLps', 'targetLps', 'lengthMm', 'directionLps', 'contacts', 'evaluation'],
);

const caseRef = closed(
  {
    caseId: text,
    patientId: { type: 'string' },
    studyInstanceUid: { type: 'string' },
    planningSeriesInstanceUid: { type: 'string' },
    frameOfReferenceUid: { type: 'string' },
    series: {
      type: 'array',
      items: closed(
        {
          role: { enum: ['ct', 't1', 'angio', 'other'] },
          seriesInstanceUid: { type: 'string' },
          description: { type: 'string' },
        },
        ['role'],
      ),
    },
  },
  ['caseId', 'series'],
);

const dateTime = { type: 'string', format: 'date-time' } as const;

/** The plan file's JSON Schema, version 1 (draft-07). */
export const PLAN_SCHEMA_V1 = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: PLAN_SCHEMA_ID,
  title: 'NeuroPlan electrode plan, version 1',
  description:
    'Electrode trajectories in DICOM LPS millimetres of the planning CT, with the electrode models, the constraints they were checked with, their evaluation and an optional approval bound to a SHA-256 of the content.',
  ...closed(
    {
      format: { const: PLAN_FORMAT },
      version: { const: PLAN_VERSION },
      software: closed({ name: text, version: text }, ['name', 'version']),
      createdAt: dateTime,
      modifiedAt: dateTime,
      caseRef,
      constraints,
      electrodes: {
        type: 'array',
        items: {
          if: { type: 'object', required: ['kind'], properties: { kind: { const: 'array' } } },
          then: arrayElectrode,
          else: linearElectrode,
        },
      },
      trajectories: { type: 'array', items: trajectory },
      approval: closed(
        {
          by: text,
          role: { type: 'string' },
          at: dateTime,
          contentSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
        ['by', 'at', 'contentSha256'],
      ),
    },
    ['format', 'version', 'software', 'createdAt', 'caseRef', 'constraints', 'electrodes', 'trajectories'],
  ),
} as const;
