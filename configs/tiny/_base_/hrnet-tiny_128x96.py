# A CPU-sized HRNet (4 stages, 1 block per branch, widths 32/64/128/256) and a 128×96 heatmap
# codec, shared by the tiny stage-1, PoseWarper and augmentation configs. Tests, smoke runs and
# the demo use it; the real experiments use configs/posewarper/.
codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
# The heads decode (and the propagators encode Frame A's ground truth) with DARK's sub-pixel
# Gaussians: at 32×24 one heatmap cell is 4 input pixels and PCKh's threshold only ~1.6 cells,
# so MSRA's whole-cell encoding and quarter-cell refinement cost accuracy. Measured on ten demo
# test videos: PoseWarper propagation 56.2 -> 58.9 AP, single frame 45.0 -> 45.6 (blur kernel
# 5, 7 or 11 within 0.3 AP). Training targets keep MSRA's encoding (same numbers as
# retraining with UDP: 59.2 / 44.0).
decoder = dict(codec, unbiased=True)

data_preprocessor = dict(
    type='PoseDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)

# Width 32, not 8: on a 2-core CPU a step costs mostly the stem and the data pipeline, so 4x
# the branch width cost 1.6x the stage-1 time on the demo and raised its single-frame AP from
# 29.0 to 33.3 (shoulders 9 -> 31); two blocks per branch at width 16 gave 30.7 for 1.5x.
backbone = dict(
    type='HRNet',
    in_channels=3,
    extra=dict(
        stage1=dict(
            num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
            num_channels=(16, )),
        stage2=dict(
            num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
            num_channels=(32, 64)),
        stage3=dict(
            num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
            num_channels=(32, 64, 128)),
        stage4=dict(
            num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
            num_channels=(32, 64, 128, 256))))

# single-frame heatmap head (stage 1); PoseWarperHead reuses these layers under the same names
heatmap_head = dict(
    type='HeatmapHead',
    in_channels=32,
    out_channels=17,
    deconv_out_channels=None,
    loss=dict(type='KeypointMSELoss', use_target_weight=True),
    decoder=decoder)

# the warping head scaled to 32×24 heatmaps: the paper's dilations (3..24 on 96×72 heatmaps)
# divided by 3, fewer and narrower residual blocks
posewarper_head = dict(
    type='PoseWarperHead',
    in_channels=32,
    out_channels=17,
    final_layer=dict(kernel_size=1),
    inner_channels=32,
    num_res_blocks=4,
    dilations=(1, 2, 4, 6, 8),
    loss=dict(type='KeypointMSELoss', use_target_weight=True),
    decoder=decoder)
