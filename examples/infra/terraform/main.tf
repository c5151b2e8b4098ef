terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "env" {
  type    = string
  default = "prod"
}

locals {
  prefix = "acme-${var.env}"
}

# Product photos that annotators draw bounding boxes on.
resource "aws_s3_bucket" "images" {
  bucket = "${local.prefix}-labeling-images"
}

# Lidar sweeps for 3D point-cloud labeling; jobs write their output here too.
resource "aws_s3_bucket" "lidar" {
  bucket = "${local.prefix}-lidar-frames"
}

resource "aws_s3_bucket_cors_configuration" "lidar" {
  bucket = aws_s3_bucket.lidar.id

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}

# Application logs: nothing to do with labeling, needs no CORS.
resource "aws_s3_bucket" "logs" {
  bucket = "${local.prefix}-app-logs"
}
