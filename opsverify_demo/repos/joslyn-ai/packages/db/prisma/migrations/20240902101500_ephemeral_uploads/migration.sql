-- CreateTable
CREATE TABLE "ephemeral_uploads" (
    "id" TEXT NOT NULL,
    "s3_key" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ephemeral_uploads_pkey" PRIMARY KEY ("id")
);
