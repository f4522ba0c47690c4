"""The Cloud Storage for Firebase emulator: the Firebase Storage REST API (`/v0/b/...`, what
client SDKs and pyrebase4 use), the part of the Cloud Storage JSON API google-cloud-storage
uses (`/storage/v1`, `/upload/storage/v1`, `/download/storage/v1`), and `storage.rules`."""
