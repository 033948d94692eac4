/** Contribution ids — each equals its entry in package.json `contributes` (checked by a unit test). */
export const VIEW_CONTAINER_ID = 'relatedPapers';
export const VIEW_ID = 'relatedPapers.panel';
export const FOCUS_VIEW_COMMAND = `${VIEW_ID}.focus`;

export const COMMANDS = {
  findRelated: 'relatedPapers.findRelated',
  reindex: 'relatedPapers.reindex',
  downloadModel: 'relatedPapers.downloadModel',
  useLocalModelFolder: 'relatedPapers.useLocalModelFolder',
  insertCitation: 'relatedPapers.insertCitation',
  showLog: 'relatedPapers.showLog',
  manageStorage: 'relatedPapers.manageStorage',
} as const;
