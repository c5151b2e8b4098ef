resource "aws_iam_role" "labeling" {
  name = "${local.prefix}-labeling"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = ["states.amazonaws.com", "sagemaker.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_sfn_state_machine" "labeling" {
  name     = "${local.prefix}-labeling"
  role_arn = aws_iam_role.labeling.arn

  definition = jsonencode({
    StartAt = "BoundingBoxes"
    States = {
      BoundingBoxes = {
        Type     = "Task"
        Resource = "arn:aws:states:::sagemaker:createLabelingJob.sync"
        Parameters = {
          LabelingJobName    = "products-bbox"
          LabelAttributeName = "bbox"
          RoleArn            = aws_iam_role.labeling.arn
          InputConfig = {
            DataSource = {
              S3DataSource = {
                ManifestS3Uri = "s3://${aws_s3_bucket.images.bucket}/manifests/products.manifest"
              }
            }
          }
          OutputConfig = { S3OutputPath = "s3://${aws_s3_bucket.images.bucket}/output/" }
          HumanTaskConfig = {
            PreHumanTaskLambdaArn = "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox"
          }
        }
        Next = "LidarBoxes"
      }
      LidarBoxes = {
        Type     = "Task"
        Resource = "arn:aws:states:::sagemaker:createLabelingJob.sync"
        Parameters = {
          LabelingJobName    = "lidar-boxes"
          LabelAttributeName = "lidar-boxes-ref"
          RoleArn            = aws_iam_role.labeling.arn
          InputConfig = {
            DataSource = {
              S3DataSource = {
                ManifestS3Uri = "s3://${aws_s3_bucket.lidar.bucket}/manifests/sweeps.manifest"
              }
            }
          }
          OutputConfig = { S3OutputPath = "s3://${aws_s3_bucket.lidar.bucket}/output/" }
          HumanTaskConfig = {
            PreHumanTaskLambdaArn = "arn:aws:lambda:us-east-1:432418664414:function:PRE-3DPointCloudObjectDetection"
          }
        }
        End = true
      }
    }
  })
}
