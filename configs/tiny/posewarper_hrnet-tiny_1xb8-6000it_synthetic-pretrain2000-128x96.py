# Stage 2 trained to its plateau on the stage 1 pretrained on 2000 videos
# (td-hm_hrnet-tiny_1xb16-12e_synthetic-pretrain2000-128x96.py, published as
# projects/posewarper_demo/checkpoints/hrnet-tiny_synthetic-pretrain2000.pth): the same data,
# schedule and sparse protocol as posewarper_hrnet-tiny_1xb8-6000it_synthetic-pretrain-128x96.py,
# whose header has the commands that generate the data. Train with:
#
#   python tools/train.py \
#       configs/tiny/posewarper_hrnet-tiny_1xb8-6000it_synthetic-pretrain2000-128x96.py
_base_ = ['./posewarper_hrnet-tiny_1xb8-6000it_synthetic-pretrain-128x96.py']

# the published stage 1, frozen under the warp
load_from = 'projects/posewarper_demo/checkpoints/hrnet-tiny_synthetic-pretrain2000.pth'
