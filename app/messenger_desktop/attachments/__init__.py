"""Pictures, files and avatars in Cloud Storage for Firebase (issue 17): the storage client,
preparing files, the upload queue, the image cache and the bubbles' attachment part."""
