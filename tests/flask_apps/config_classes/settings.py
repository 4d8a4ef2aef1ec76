import os

MEDIA_ROOT = os.path.join(os.getcwd(), "media")
UPLOADED_PHOTOS_DEST = "photos"
lowercase_ignored = "x"
