-- fragment in_bedrock_scope: is a CUR line Amazon Bedrock spend? THE Bedrock scope (--service bedrock): every
-- report, check and export reads it from here.
line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
