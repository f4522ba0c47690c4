"""A pure-Python local Firebase emulator suite: Realtime Database, Auth and a Functions host."""
