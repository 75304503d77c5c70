/** What the plugin takes from the layers below, in one place. */
export { ConnectionSchema, SECRET_CONNECTION_FIELDS } from '../../launcher';
export { HostCapabilitiesSchema, HostVerdictSchema } from '../../model';
export { ProbeRequestSchema, SelectionInputsSchema } from '../../probe';
