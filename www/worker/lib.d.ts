// What TypeScript's Web Worker declarations (5.9) lack of the APIs the
// workers use: the modes of sync access handles (File System Access;
// Chromium 121, Firefox 111 ignore them: the code checks `mode`).

interface FileSystemFileHandle {
  createSyncAccessHandle(options?: { mode?: 'read-only' | 'readwrite' | 'readwrite-unsafe' }): Promise<FileSystemSyncAccessHandle>;
}

interface FileSystemSyncAccessHandle {
  readonly mode?: 'read-only' | 'readwrite' | 'readwrite-unsafe';
}
