UPLOAD_FOLDER = "/srv/instance-uploads"
