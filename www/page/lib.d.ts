// What TypeScript's DOM declarations (5.9) lack of the APIs the page
// uses: the File System Access pickers (Chromium; the page offers
// "Save as…" only where they exist).

interface Window {
  showSaveFilePicker?: (options?: {
    suggestedName?: string; id?: string; types?: { description?: string; accept: Record<string, string[]> }[];
  }) => Promise<FileSystemFileHandle>;
  showDirectoryPicker?: (options?: { id?: string; mode?: 'read' | 'readwrite' }) => Promise<FileSystemDirectoryHandle>;
}
